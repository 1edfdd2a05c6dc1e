// Frames are built in place: a batch reserves its length field, appends
// messages straight into the caller's buffer and patches the length at the
// end, so no message is copied twice.

#include "ipc/wire/encoder.hpp"

#include <cassert>
#include <limits>

namespace ipc::wire {

namespace {

template<typename T> void append_big_endian(std::string& out, T value)
{
    char bytes[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i)
        bytes[i]
            = static_cast<char>(static_cast<unsigned char>(value >> (8 * (sizeof(T) - 1 - i))));
    out.append(bytes, sizeof(T));
}

constexpr std::size_t length_size = 4;

}

void append_hello(std::string& out, Role role)
{
    append_big_endian<std::uint32_t>(out, 1 + magic.size() + 1 + 1);
    out += static_cast<char>(Type::Hello);
    out += magic;
    out += static_cast<char>(version);
    out += static_cast<char>(role);
}

void append_request(std::string& out, std::uint64_t id, std::string_view data)
{
    assert(data.size() <= std::numeric_limits<std::uint32_t>::max() - request_header_size);
    append_big_endian(out, static_cast<std::uint32_t>(request_header_size + data.size()));
    out += static_cast<char>(Type::Request);
    append_big_endian(out, id);
    out += data;
}

void append_reply(std::string& out, std::uint64_t id, ReplyStatus status, std::string_view data)
{
    assert(data.size() <= std::numeric_limits<std::uint32_t>::max() - reply_header_size);
    append_big_endian(out, static_cast<std::uint32_t>(reply_header_size + data.size()));
    out += static_cast<char>(Type::Reply);
    append_big_endian(out, id);
    out += static_cast<char>(status);
    out += data;
}

void BatchEncoder::begin(std::string& out, std::string_view topic, std::int64_t time_ns, Type type)
{
    assert(!m_open);
    assert(topic.size() <= std::numeric_limits<std::uint16_t>::max());
    assert(type == Type::Messages || type == Type::MessagesWithHeaders);
    m_start = out.size();
    m_count = 0;
    m_open = true;
    m_with_headers = type == Type::MessagesWithHeaders;
    append_big_endian<std::uint32_t>(out, 0); // Patched by end().
    out += static_cast<char>(type);
    append_big_endian(out, static_cast<std::uint64_t>(time_ns));
    append_big_endian(out, static_cast<std::uint16_t>(topic.size()));
    out += topic;
}

void append_lines(std::string& out, std::string_view topic, std::int64_t time_ns, char delimiter,
    std::string_view run)
{
    assert(!run.empty() && run.back() == delimiter && run.size() <= batch_limit);
    assert(topic.size() <= std::numeric_limits<std::uint16_t>::max());
    append_big_endian(out, static_cast<std::uint32_t>(1 + 8 + 2 + topic.size() + 1 + run.size()));
    out += static_cast<char>(Type::Lines);
    append_big_endian(out, static_cast<std::uint64_t>(time_ns));
    append_big_endian(out, static_cast<std::uint16_t>(topic.size()));
    out += topic;
    out += delimiter;
    out += run;
}

void BatchEncoder::add(std::string& out, std::string_view data, std::string_view headers)
{
    assert(m_open);
    assert(data.size() <= std::numeric_limits<std::uint32_t>::max());
    assert(headers.empty() || m_with_headers);
    if (m_with_headers) {
        assert(headers.size() <= std::numeric_limits<std::uint16_t>::max());
        append_big_endian(out, static_cast<std::uint16_t>(headers.size()));
        out += headers;
    }
    append_big_endian(out, static_cast<std::uint32_t>(data.size()));
    out += data;
    ++m_count;
}

std::size_t BatchEncoder::end(std::string& out)
{
    assert(m_open);
    auto const length = out.size() - m_start - length_size;
    assert(length <= std::numeric_limits<std::uint32_t>::max());
    for (std::size_t i = 0; i < length_size; ++i)
        out[m_start + i]
            = static_cast<char>(static_cast<unsigned char>(length >> (8 * (length_size - 1 - i))));
    m_open = false;
    return m_count;
}

}
