// The decoder's fast path hands out views into the caller's input: when a
// whole frame is already there (the usual case with large reads), its body
// is never copied. Only frames split across reads are gathered in m_body,
// and only after their length passed the limit.

#include "ipc/wire/decoder.hpp"

#include "ipc/core/bytes.hpp"
#include "ipc/core/headers.hpp"

#include <cstring>

#include <algorithm>
#include <fmt/format.h>

namespace ipc::wire {

namespace {

constexpr std::size_t length_size = 4;

// Reads a big-endian integer of size bytes; the caller checked the bounds.
std::uint64_t read_big_endian(char const* bytes, std::size_t size)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
        value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
}

constexpr std::size_t hello_size = 1 + magic.size() + 1 + 1;
constexpr std::size_t batch_header_size = 1 + 8 + 2;

}

Decoder::Status Decoder::feed(std::string_view& input)
{
    m_view = {};
    if (m_body_size > m_max_body)
        return Status::TooLarge; // Final: the stream is out of step.
    if (m_header_filled == 0 && input.size() >= length_size) {
        m_body_size = read_big_endian(input.data(), length_size);
        if (m_body_size > m_max_body)
            return Status::TooLarge;
        if (input.size() - length_size >= m_body_size) {
            m_view = input.substr(length_size, m_body_size);
            input.remove_prefix(length_size + m_body_size);
            return Status::Ready;
        }
        input.remove_prefix(length_size);
        m_header_filled = length_size;
        m_body.clear();
        m_body.reserve(m_body_size);
    } else if (m_header_filled < length_size) {
        auto const count = std::min(length_size - m_header_filled, input.size());
        std::copy_n(input.begin(), count, m_header + m_header_filled);
        m_header_filled += count;
        input.remove_prefix(count);
        if (m_header_filled < length_size)
            return Status::NeedMore;
        m_body_size = read_big_endian(reinterpret_cast<char const*>(m_header), length_size);
        if (m_body_size > m_max_body)
            return Status::TooLarge;
        m_body.clear();
        m_body.reserve(m_body_size);
    }
    auto const count = std::min(m_body_size - m_body.size(), input.size());
    m_body.append(input.data(), count);
    input.remove_prefix(count);
    if (m_body.size() < m_body_size)
        return Status::NeedMore;
    m_header_filled = 0;
    m_view = m_body;
    return Status::Ready;
}

std::optional<Hello> parse_hello(std::string_view body, std::string& error)
{
    if (body.empty() || body[0] != static_cast<char>(Type::Hello)) {
        error = "expected a hello frame";
        return std::nullopt;
    }
    // The version comes before the size check: another version's hello may be longer.
    if (body.size() < 1 + magic.size() + 1 || body.substr(1, magic.size()) != magic) {
        error = "not an ipckit peer (bad hello)";
        return std::nullopt;
    }
    auto const peer_version = static_cast<std::uint8_t>(body[1 + magic.size()]);
    if (peer_version != version) {
        error = fmt::format(
            "protocol version {} is not supported (this is version {})", peer_version, version);
        return std::nullopt;
    }
    if (body.size() != hello_size) {
        error
            = fmt::format("malformed hello frame ({} bytes, expected {})", body.size(), hello_size);
        return std::nullopt;
    }
    auto const role = static_cast<std::uint8_t>(body[hello_size - 1]);
    if (role != static_cast<std::uint8_t>(Role::Publisher)
        && role != static_cast<std::uint8_t>(Role::Client)) {
        error = fmt::format("unknown role {} in hello frame", role);
        return std::nullopt;
    }
    return Hello { peer_version, static_cast<Role>(role) };
}

namespace {

// The type byte of a body, worded for errors: "unknown frame type 9".
bool check_type(std::string_view body, Type type, std::size_t header_size, std::string& error)
{
    if (body.empty()) {
        error = "empty frame";
        return false;
    }
    if (body[0] != static_cast<char>(type)) {
        error = fmt::format("unexpected frame type {}", static_cast<unsigned char>(body[0]));
        return false;
    }
    if (body.size() < header_size) {
        error = fmt::format("truncated {} frame", type == Type::Request ? "request" : "reply");
        return false;
    }
    return true;
}

}

std::optional<Request> parse_request(std::string_view body, std::string& error)
{
    if (!check_type(body, Type::Request, request_header_size, error))
        return std::nullopt;
    return Request { read_big_endian(body.data() + 1, 8), body.substr(request_header_size) };
}

std::optional<Reply> parse_reply(std::string_view body, std::string& error)
{
    if (!check_type(body, Type::Reply, reply_header_size, error))
        return std::nullopt;
    auto const status = static_cast<unsigned char>(body[9]);
    if (status > static_cast<unsigned char>(ReplyStatus::Error)) {
        error = fmt::format("unknown reply status {}", status);
        return std::nullopt;
    }
    return Reply { read_big_endian(body.data() + 1, 8), static_cast<ReplyStatus>(status),
        body.substr(reply_header_size) };
}

std::optional<BatchView> BatchView::parse(std::string_view body, std::string& error)
{
    auto const type = body.empty() ? Type {} : static_cast<Type>(body[0]);
    bool const lines = type == Type::Lines;
    if (type != Type::Messages && type != Type::MessagesWithHeaders && !lines) {
        error = body.empty()
            ? "empty frame"
            : fmt::format("unknown frame type {}", static_cast<unsigned char>(body[0]));
        return std::nullopt;
    }
    if (body.size() < batch_header_size) {
        error = "truncated message frame header";
        return std::nullopt;
    }
    auto const topic_length = read_big_endian(body.data() + 9, 2);
    if (topic_length + (lines ? 1 : 0) > body.size() - batch_header_size) {
        error = "message frame topic runs past the frame";
        return std::nullopt;
    }
    BatchView view;
    view.m_with_headers = type == Type::MessagesWithHeaders;
    view.m_time_ns = static_cast<std::int64_t>(read_big_endian(body.data() + 1, 8));
    view.m_topic = body.substr(batch_header_size, topic_length);
    view.m_rest = body.substr(batch_header_size + topic_length);
    if (lines) {
        view.m_lines = true;
        view.m_delimiter = view.m_rest.front();
        view.m_rest.remove_prefix(1);
        if (view.m_rest.empty() || view.m_rest.back() != view.m_delimiter) {
            error = "a lines frame does not end with its delimiter";
            return std::nullopt;
        }
    }
    return view;
}

std::string_view BatchView::take_run(std::uint64_t most, std::size_t max_size, std::uint64_t& count)
{
    count = 0;
    if (!m_lines)
        return {};
    std::size_t length = 0;
    if (m_rest.size() <= max_size) // Every message fits: are all of them wanted?
        count = count_byte(m_rest, m_delimiter);
    if (count != 0 && count <= most) {
        length = m_rest.size();
    } else {
        count = 0;
        while (count < most && length < m_rest.size()) {
            auto const end = m_rest.find(m_delimiter, length);
            if (end == std::string_view::npos || end - length > max_size)
                break;
            length = end + 1;
            ++count;
        }
    }
    auto const run = m_rest.substr(0, length);
    m_rest.remove_prefix(length);
    return run;
}

BatchView::Status BatchView::next(std::string_view& data, std::size_t max_size)
{
    if (m_rest.empty())
        return Status::End;
    if (m_lines) {
        auto const* end
            = static_cast<char const*>(std::memchr(m_rest.data(), m_delimiter, m_rest.size()));
        if (!end)
            return Status::Malformed; // parse() saw the last delimiter; cannot happen.
        auto const length = static_cast<std::size_t>(end - m_rest.data());
        data = m_rest.substr(0, length);
        m_rest.remove_prefix(length + 1);
        if (length > max_size) {
            data = {};
            return Status::TooLarge;
        }
        return Status::Ready;
    }
    if (m_with_headers) {
        m_headers = {};
        if (m_rest.size() < 2)
            return Status::Malformed;
        auto const headers_length = read_big_endian(m_rest.data(), 2);
        if (headers_length > m_rest.size() - 2)
            return Status::Malformed;
        auto const headers = m_rest.substr(2, headers_length);
        if (headers_problem(headers))
            return Status::Malformed;
        m_rest.remove_prefix(2 + headers_length);
        m_headers = headers;
    }
    if (m_rest.size() < length_size)
        return Status::Malformed;
    auto const length = read_big_endian(m_rest.data(), length_size);
    if (length > m_rest.size() - length_size)
        return Status::Malformed;
    data = m_rest.substr(length_size, length);
    m_rest.remove_prefix(length_size + length);
    // Skipped, so that the caller may report it and go on with the rest.
    if (length > max_size) {
        data = {};
        m_headers = {};
        return Status::TooLarge;
    }
    return Status::Ready;
}

}
