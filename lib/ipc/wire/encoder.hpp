#pragma once

// Builds frames into a caller-owned byte string. Pure: no I/O.

#include "ipc/wire/frame.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::wire {

// Appends a complete Hello frame.
void append_hello(std::string& out, Role role);

// Appends a complete Lines frame: run is one or more messages, each ending
// with delimiter; at most batch_limit bytes.
void append_lines(std::string& out, std::string_view topic, std::int64_t time_ns, char delimiter,
    std::string_view run);

// Appends a complete Request frame.
void append_request(std::string& out, std::uint64_t id, std::string_view data);

// Appends a complete Reply frame.
void append_reply(std::string& out, std::uint64_t id, ReplyStatus status, std::string_view data);

// Builds one Messages (or MessagesWithHeaders) frame in place at the end of
// out: begin, then add messages while fits(), then end. Several batches may
// follow each other in one buffer.
class BatchEncoder {
public:
    // Starts a frame for topic at the end of out.
    void begin(
        std::string& out, std::string_view topic, std::int64_t time_ns, Type type = Type::Messages);
    // headers: a valid block (core/headers.hpp), only in a MessagesWithHeaders frame.
    void add(std::string& out, std::string_view data, std::string_view headers = {});
    // Patches the frame's length; returns the number of messages in it.
    std::size_t end(std::string& out);

    bool open() const { return m_open; }
    bool with_headers() const { return m_with_headers; }
    std::size_t count() const { return m_count; }
    // Message bytes in the open frame so far.
    std::size_t size(std::string const& out) const { return out.size() - m_start; }

private:
    std::size_t m_start = 0;
    std::size_t m_count = 0;
    bool m_open = false;
    bool m_with_headers = false;
};

}
