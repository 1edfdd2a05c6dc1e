// Base64 for binary --json data (base64.hpp): three bytes to four characters
// and back, with one table each way built at compile time.

#include "ipc/framing/base64.hpp"

#include <array>
#include <cstdint>

namespace ipc::framing {

namespace {

constexpr char base64_alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> base64_values = [] {
    std::array<signed char, 256> values {};
    values.fill(-1);
    for (int i = 0; i < 64; ++i)
        values[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<signed char>(i);
    return values;
}();

}

void append_base64(std::string& out, std::string_view bytes)
{
    auto const* in = reinterpret_cast<unsigned char const*>(bytes.data());
    std::size_t const size = bytes.size();
    out.reserve(out.size() + (size + 2) / 3 * 4);
    std::size_t at = 0;
    for (; size - at >= 3; at += 3) {
        std::uint32_t const group
            = std::uint32_t { in[at] } << 16 | std::uint32_t { in[at + 1] } << 8 | in[at + 2];
        out += base64_alphabet[group >> 18];
        out += base64_alphabet[(group >> 12) & 63];
        out += base64_alphabet[(group >> 6) & 63];
        out += base64_alphabet[group & 63];
    }
    if (size - at == 0)
        return;
    std::uint32_t group = std::uint32_t { in[at] } << 16;
    if (size - at == 2)
        group |= std::uint32_t { in[at + 1] } << 8;
    out += base64_alphabet[group >> 18];
    out += base64_alphabet[(group >> 12) & 63];
    out += size - at == 2 ? base64_alphabet[(group >> 6) & 63] : '=';
    out += '=';
}

std::optional<std::string> decode_base64(std::string_view text)
{
    std::size_t size = text.size();
    if (size % 4 == 0 && size > 0 && text[size - 1] == '=')
        size -= text[size - 2] == '=' ? 2U : 1U;
    if (size % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(size / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int count = 0;
    for (std::size_t at = 0; at < size; ++at) {
        int const value = base64_values[static_cast<unsigned char>(text[at])];
        if (value < 0)
            return std::nullopt;
        bits = bits << 6 | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

}
