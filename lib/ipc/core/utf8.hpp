#pragma once

// UTF-8: whether bytes are well-formed text, and code points to bytes. Pure.
// "Well-formed" is RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF; JSON strings and header values must be so.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ipc {

// The length of the well-formed UTF-8 sequence at the front of bytes (left
// bytes long, at least one), or 0 when it is not one.
std::size_t utf8_sequence_length(unsigned char const* bytes, std::size_t left);

// How many bytes from the front of text are well-formed UTF-8.
std::size_t utf8_prefix_length(std::string_view text);

inline bool is_utf8(std::string_view bytes)
{
    return utf8_prefix_length(bytes) == bytes.size();
}

// Appends code (at most U+10FFFF, not a surrogate) in UTF-8.
void append_utf8(std::string& out, std::uint32_t code);

}
