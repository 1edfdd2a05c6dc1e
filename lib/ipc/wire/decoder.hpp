#pragma once

// Turns a byte stream of [u32 big-endian length][body] frames into bodies, and
// bodies into their parts. Pure: no I/O, no clock, so the fuzzer and the unit
// tests drive it directly. Every length is checked before anything is kept.

#include "ipc/wire/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ipc::wire {

class Decoder {
public:
    enum class Status { NeedMore, Ready, TooLarge };

    explicit Decoder(std::size_t max_body)
        : m_max_body(max_body)
    {
    }

    // Consumes from the front of input until one frame is complete. The
    // length is checked against max_body before anything is allocated.
    // TooLarge is final: the caller closes the connection.
    [[nodiscard]] Status feed(std::string_view& input);

    // The completed body; valid until the next feed() and, when the whole
    // frame was in one input (it is then not copied), while that input lives.
    std::string_view body() const { return m_view; }

    // The length announced by the frame that was refused (for the error line).
    std::size_t announced() const { return m_body_size; }

private:
    std::size_t m_max_body;
    unsigned char m_header[4] {};
    std::size_t m_header_filled = 0;
    std::size_t m_body_size = 0;
    std::string m_body;
    std::string_view m_view;
};

struct Hello {
    std::uint8_t version = 0;
    Role role {};
};

// nullopt (with error set) for a body that is not a Hello of a version we speak.
std::optional<Hello> parse_hello(std::string_view body, std::string& error);

struct Request {
    std::uint64_t id = 0;
    std::string_view data;
};

struct Reply {
    std::uint64_t id = 0;
    ReplyStatus status = ReplyStatus::Ok;
    std::string_view data;
};

// nullopt (with error set) for a body that is not a well-formed Request or
// Reply; the data views point into body.
std::optional<Request> parse_request(std::string_view body, std::string& error);
std::optional<Reply> parse_reply(std::string_view body, std::string& error);

// Walks the messages of a Messages, MessagesWithHeaders or Lines body
// without copying.
class BatchView {
public:
    // nullopt (with error set) when the header is malformed.
    static std::optional<BatchView> parse(std::string_view body, std::string& error);

    std::string_view topic() const { return m_topic; }
    std::int64_t time_ns() const { return m_time_ns; }

    // A Lines frame: its messages each end with delimiter().
    bool is_lines() const { return m_lines; }
    char delimiter() const { return m_delimiter; }

    // Lines frames only: takes up to most of the next messages at once, each
    // followed by the delimiter, stopping before one longer than max_size
    // (next() then reports it). Sets count; an empty view when count is 0.
    std::string_view take_run(std::uint64_t most, std::size_t max_size, std::uint64_t& count);

    enum class Status { Ready, End, Malformed, TooLarge };
    // The next message's bytes; TooLarge when one exceeds max_size.
    // Malformed for headers that are not a valid block (core/headers.hpp).
    Status next(std::string_view& data, std::size_t max_size);

    // The headers of the message next() returned last; empty when none.
    std::string_view headers() const { return m_headers; }

private:
    std::string_view m_topic;
    std::int64_t m_time_ns = 0;
    std::string_view m_rest;
    std::string_view m_headers;
    bool m_lines = false;
    bool m_with_headers = false;
    char m_delimiter = '\n';
};

}
