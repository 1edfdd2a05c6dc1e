#pragma once

// The socket frame protocol (ipc-protocol(7)). Every frame is a 4-byte
// big-endian length, then that many bytes of body; a body starts with a type
// byte. The first frame on a connection is a Hello.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ipc::wire {

inline constexpr std::string_view magic = "IPCK";
inline constexpr std::uint8_t version = 1;

enum class Type : std::uint8_t {
    Hello = 1, // magic(4) version(1) role(1)
    Messages = 2, // time_ns(i64) topic_length(u16) topic, then repeated: length(u32) data
    // time_ns(i64) topic_length(u16) topic delimiter(u8), then messages that
    // each end with the delimiter (and hold none): lines travel as they came.
    Lines = 3,
    Request = 4, // id(u64) data: the rest of the body
    Reply = 5, // id(u64) status(u8) data: the rest of the body
    // As Messages, but each message is headers_length(u16) headers (a block
    // as core/headers.hpp encodes it, empty for none) before length(u32) data.
    MessagesWithHeaders = 6,
};

enum class Role : std::uint8_t {
    Publisher = 1,
    Client = 2, // Sends Requests; the server answers with Replies.
};

// The status byte of a Reply: Ok carries the handler's output, Error a
// one-line reason (the handler failed, timed out or died).
enum class ReplyStatus : std::uint8_t {
    Ok = 0,
    Error = 1,
};

// Request and Reply bodies: type, id and (for a Reply) status before the data.
inline constexpr std::size_t request_header_size = 1 + 8;
inline constexpr std::size_t reply_header_size = 1 + 8 + 1;

// A batch frame holds at most this many bytes of messages (one larger
// message still travels alone), so receivers can bound frames by
// max_size + batch_limit.
inline constexpr std::size_t batch_limit = 256 * 1024;

// The largest frame body a receiver accepts, for a given largest message.
inline constexpr std::size_t frame_limit(std::size_t max_size)
{
    return max_size + batch_limit + 1024;
}

}
