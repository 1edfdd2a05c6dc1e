#pragma once

// Retained messages of the local backend: $IPC_DIR/retain/TOPIC holds the
// raw bytes of the last message published with --retain, replaced atomically
// (write a temporary file, then rename), so a reader never sees a torn one.

#include "ipc/core/message.hpp"
#include "ipc/names/pattern.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::pubsub {

// Stores message as the retained message of its topic (a valid name); an
// empty message deletes the topic's retained message instead (MQTT's rule).
void store_retained(MessageView const& message);

// Every retained message whose topic matches one of patterns, oldest first;
// its time is when it was stored.
std::vector<Message> load_retained(std::vector<Pattern> const& patterns);

// A retained message described, for ipc-pub --list (any backend).
struct RetainedInfo {
    std::string topic;
    std::uint64_t size = 0;
    std::int64_t time_ns = 0; // When it was stored (Unix ns).
};

// The retained messages whose topic matches pattern (any when none), by
// topic, without reading them.
std::vector<RetainedInfo> list_local_retained(std::optional<Pattern> const& pattern);

}
