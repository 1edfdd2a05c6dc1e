// UTF-8 validation and encoding (utf8.hpp). Bytes are checked one sequence
// at a time, except for runs of ASCII, taken eight bytes at a time: the
// common case for text, and what keeps --json output fast.

#include "ipc/core/utf8.hpp"

#include <cstring>

namespace ipc {

std::size_t utf8_sequence_length(unsigned char const* bytes, std::size_t left)
{
    auto const in = [&](std::size_t at, unsigned low, unsigned high) {
        return at < left && bytes[at] >= low && bytes[at] <= high;
    };
    unsigned const first = bytes[0];
    if (first < 0x80)
        return 1;
    if (first < 0xC2)
        return 0;
    if (first < 0xE0)
        return in(1, 0x80, 0xBF) ? 2 : 0;
    if (first < 0xF0) {
        unsigned const low = first == 0xE0 ? 0xA0 : 0x80;
        unsigned const high = first == 0xED ? 0x9F : 0xBF;
        return in(1, low, high) && in(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (first < 0xF5) {
        unsigned const low = first == 0xF0 ? 0x90 : 0x80;
        unsigned const high = first == 0xF4 ? 0x8F : 0xBF;
        return in(1, low, high) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

std::size_t utf8_prefix_length(std::string_view text)
{
    auto const* bytes = reinterpret_cast<unsigned char const*>(text.data());
    std::size_t const size = text.size();
    std::size_t at = 0;
    while (at < size) {
        if (size - at >= 8) {
            std::uint64_t word;
            std::memcpy(&word, bytes + at, sizeof word);
            if ((word & 0x8080808080808080ULL) == 0) {
                at += 8;
                continue;
            }
        }
        std::size_t const length = utf8_sequence_length(bytes + at, size - at);
        if (length == 0)
            return at;
        at += length;
    }
    return at;
}

void append_utf8(std::string& out, std::uint32_t code)
{
    auto const byte = [&](std::uint32_t value) { out += static_cast<char>(value); };
    if (code < 0x80) {
        byte(code);
    } else if (code < 0x800) {
        byte(0xC0 | (code >> 6));
        byte(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        byte(0xE0 | (code >> 12));
        byte(0x80 | ((code >> 6) & 0x3F));
        byte(0x80 | (code & 0x3F));
    } else {
        byte(0xF0 | (code >> 18));
        byte(0x80 | ((code >> 12) & 0x3F));
        byte(0x80 | ((code >> 6) & 0x3F));
        byte(0x80 | (code & 0x3F));
    }
}

}
