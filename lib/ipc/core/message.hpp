#pragma once

// A message as it travels between framing, the backends and the wire: bytes
// plus the metadata that --json shows. MessageView borrows; Message owns.
// Headers stay in their encoded block (headers.hpp) all the way, so that a
// message without them costs one empty view.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc {

struct MessageView {
    std::string_view data;
    std::string_view topic; // Empty when the source has none (plain stdin).
    std::int64_t time_ns = 0; // Unix time of publication; 0 when unknown.
    std::string_view headers {}; // A valid header block (headers.hpp); empty when none.
};

struct Message {
    std::string data;
    std::string topic;
    std::int64_t time_ns = 0;
    std::string headers {};

    MessageView view() const { return { data, topic, time_ns, headers }; }
};

}
