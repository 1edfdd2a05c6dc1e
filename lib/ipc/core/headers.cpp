// The header block codec (headers.hpp). The checker walks the block once and
// allocates nothing for the usual handful of keys; only a block with many
// keys sorts a copy of their views to find one given twice.

#include "ipc/core/headers.hpp"

#include "ipc/core/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>

namespace ipc {

namespace {

// Keys up to this many are compared pair by pair, without allocating.
constexpr std::size_t few_keys = 16;

// Takes a big-endian u16 from the front of rest.
bool take_u16(std::string_view& rest, std::size_t& value)
{
    if (rest.size() < 2)
        return false;
    value = std::size_t { static_cast<unsigned char>(rest[0]) } << 8
        | static_cast<unsigned char>(rest[1]);
    rest.remove_prefix(2);
    return true;
}

// Takes a u16 length and that many bytes from the front of rest.
bool take(std::string_view& rest, std::string_view& out)
{
    std::size_t length = 0;
    if (!take_u16(rest, length) || rest.size() < length)
        return false;
    out = rest.substr(0, length);
    rest.remove_prefix(length);
    return true;
}

void append_u16(std::string& out, std::size_t value)
{
    out += static_cast<char>((value >> 8) & 0xFF);
    out += static_cast<char>(value & 0xFF);
}

bool is_field_name(std::string_view key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return c > ' ' && c < 0x7F && c != ':';
    });
}

std::optional<std::string> value_problem(std::string_view key, std::string_view value)
{
    if (value.find_first_of("\r\n") != std::string_view::npos)
        return fmt::format("header \"{}\" has a value with a line break", key);
    if (!is_utf8(value))
        return fmt::format("header \"{}\" has a value that is not UTF-8", key);
    return std::nullopt;
}

std::string too_large()
{
    return fmt::format("headers take more than {} bytes", max_headers_size);
}

std::optional<std::string> twice(std::string_view key)
{
    return fmt::format("header \"{}\" is given twice", key);
}

}

std::optional<std::string> headers_problem(std::string_view block)
{
    if (block.size() > max_headers_size)
        return too_large();
    std::array<std::string_view, few_keys> seen;
    std::vector<std::string_view> many;
    std::size_t keys = 0;
    for (std::string_view rest = block; !rest.empty(); ++keys) {
        std::string_view key;
        std::size_t count = 0;
        if (!take(rest, key) || !take_u16(rest, count))
            return "headers run past their end";
        if (!is_field_name(key))
            return key.empty() ? "a header name is empty"
                               : "a header name has a space, ':' or a character that is not "
                                 "printable ASCII";
        if (count == 0)
            return fmt::format("header \"{}\" has no values", key);
        for (std::size_t i = 0; i < count; ++i) {
            std::string_view value;
            if (!take(rest, value))
                return "headers run past their end";
            if (auto problem = value_problem(key, value))
                return problem;
        }
        if (keys < few_keys) {
            if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(keys), key)
                != seen.begin() + static_cast<std::ptrdiff_t>(keys))
                return twice(key);
            seen[keys] = key;
        } else {
            if (many.empty())
                many.assign(seen.begin(), seen.end());
            many.push_back(key);
        }
    }
    std::sort(many.begin(), many.end());
    if (auto const found = std::adjacent_find(many.begin(), many.end()); found != many.end())
        return twice(*found);
    return std::nullopt;
}

bool HeadersBuilder::room_for(std::size_t bytes)
{
    m_too_large = m_too_large || m_block.size() + bytes > max_headers_size;
    return !m_too_large;
}

void HeadersBuilder::add_key(std::string_view key)
{
    m_count = 0;
    m_count_at = m_block.size() + 2 + key.size();
    if (!room_for(2 + key.size() + 2))
        return;
    append_u16(m_block, key.size());
    m_block += key;
    append_u16(m_block, 0);
}

void HeadersBuilder::add_value(std::string_view value)
{
    assert(m_count_at != 0); // After a key.
    if (!room_for(2 + value.size()))
        return;
    append_u16(m_block, value.size());
    m_block += value;
    ++m_count; // At most 32,767: each value takes two bytes or more.
    m_block[m_count_at] = static_cast<char>(m_count >> 8);
    m_block[m_count_at + 1] = static_cast<char>(m_count & 0xFF);
}

std::optional<std::string> HeadersBuilder::finish(std::string& error)
{
    auto problem = m_too_large ? too_large() : headers_problem(m_block);
    if (problem) {
        error = std::move(*problem);
        return std::nullopt;
    }
    return std::move(m_block);
}

std::optional<HeadersCursor::Field> HeadersCursor::next()
{
    bool const first = m_left == 0;
    if (first && (!take(m_rest, m_key) || !take_u16(m_rest, m_left) || m_left == 0))
        return std::nullopt;
    std::string_view value;
    if (!take(m_rest, value))
        return std::nullopt;
    --m_left;
    return Field { m_key, value, first };
}

std::vector<std::string_view> header_values(std::string_view block, std::string_view key)
{
    std::vector<std::string_view> values;
    HeadersCursor cursor(block);
    while (auto const field = cursor.next())
        if (field->key == key)
            values.push_back(field->value);
    return values;
}

}
