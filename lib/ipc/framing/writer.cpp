#include "ipc/framing/writer.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/sys.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ipc::framing {

namespace {

// The terminator after each message, normalised so that Line and Nul need
// no delimiter from the caller.
Options normalised(Options options)
{
    if (options.mode == Mode::Line)
        options.delimiter = '\n';
    else if (options.mode == Mode::Nul)
        options.delimiter = '\0';
    return options;
}

}

void throw_write_error(int error)
{
    if (error == EPIPE)
        throw StdoutClosed();
    throw SystemError(Exit::IoError, fmt::format("write stdout: {}", std::strerror(error)), error);
}

Writer::Writer(int fd, Options const& options)
    : m_fd(fd)
    , m_options(normalised(options))
{
    m_buffer.reserve(2 * io_chunk_size);
}

Writer::~Writer() = default;

void Writer::write(MessageView const& message, JsonFields const& extra)
{
    std::string_view const data = message.data;
    if (m_options.json) {
        append_json(m_buffer, message, extra);
    } else if (m_options.topic_prefix || m_options.mode == Mode::Length
        || data.size() >= io_chunk_size) {
        write_framed(m_options.topic_prefix ? message.topic : std::string_view {}, data);
    } else {
        // The common case, kept to two appends.
        m_buffer.append(data);
        if (m_options.mode != Mode::Whole)
            m_buffer += m_options.delimiter;
    }
    if (m_options.line_buffered || m_buffer.size() >= io_chunk_size)
        flush();
}

// With -v, "TOPIC " goes before the data, inside a --len frame.
void Writer::write_framed(std::string_view topic, std::string_view data)
{
    auto const prefix = topic.empty() ? 0 : topic.size() + 1;
    if (m_options.mode == Mode::Length) {
        if (data.size() + prefix > std::numeric_limits<std::uint32_t>::max())
            throw Error(Exit::Usage,
                fmt::format("stdout: a message of {} bytes is too long for --len", data.size()));
        auto const length = static_cast<std::uint32_t>(data.size() + prefix);
        std::array<char, 4> const header { static_cast<char>(length >> 24),
            static_cast<char>(length >> 16), static_cast<char>(length >> 8),
            static_cast<char>(length) };
        m_buffer.append(header.data(), header.size());
    }
    if (prefix != 0) {
        m_buffer.append(topic);
        m_buffer += ' ';
    }
    append_or_write(data);
    if (m_options.mode != Mode::Whole && m_options.mode != Mode::Length)
        m_buffer += m_options.delimiter;
}

std::optional<char> Writer::run_delimiter() const
{
    if (m_options.json || m_options.topic_prefix)
        return std::nullopt;
    return terminator(m_options);
}

void Writer::append_or_write(std::string_view bytes)
{
    if (bytes.size() >= io_chunk_size) {
        // Large bytes go out as they are instead of being copied into the batch.
        flush();
        if (int const error = write_out(bytes); error != 0)
            throw_write_error(error);
    } else {
        m_buffer.append(bytes);
    }
}

void Writer::write_run(std::string_view run)
{
    append_or_write(run);
    if (m_options.line_buffered || m_buffer.size() >= io_chunk_size)
        flush();
}

int Writer::write_out(std::string_view bytes)
{
    if (m_sink) {
        m_sink(bytes);
        m_written += bytes.size();
        return 0;
    }
    sys::Written written;
    if (!m_gave_up && !bytes.empty()) {
        written = sys::write_out(m_fd, bytes, m_on_blocked);
        m_gave_up = written.count < bytes.size() && written.error == 0;
    }
    m_written += written.count;
    m_dropped += bytes.size() - written.count;
    return written.error;
}

void Writer::flush()
{
    if (m_buffer.empty())
        return;
    int const error = write_out(m_buffer);
    // Cleared even on failure: the tool ends, and nothing batched can be written any more.
    m_buffer.clear();
    // One huge --json envelope should not pin its memory for the rest of the run.
    if (m_buffer.capacity() > 16 * io_chunk_size) {
        m_buffer.shrink_to_fit();
        m_buffer.reserve(2 * io_chunk_size);
    }
    if (error != 0)
        throw_write_error(error);
}

}
