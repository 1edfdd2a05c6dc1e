#include "ipc/framing/reader.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/framing/json.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <sys/stat.h>

namespace ipc::framing {

namespace {

// The longest line the splitter keeps. A --json line may be up to six times
// its data ("\u001f" for each control byte) plus metadata, so a message of
// max_size still fits; the decoded data is then held to max_size itself.
std::size_t line_limit(Options const& options)
{
    if (!options.json)
        return options.max_size;
    constexpr std::size_t expansion = 6;
    std::size_t const most = std::numeric_limits<std::size_t>::max();
    if (options.max_size > (most - io_chunk_size) / expansion)
        return most;
    return options.max_size * expansion + io_chunk_size;
}

}

std::size_t read_input(int fd, char* into, std::size_t size)
{
    auto const count = sys::read_some(fd, into, size);
    if (count < 0) {
        int const saved = errno;
        throw SystemError(
            Exit::IoError, fmt::format("read stdin: {}", std::strerror(saved)), saved);
    }
    return static_cast<std::size_t>(count);
}

bool input_ready(int fd)
{
    return sys::wait_ready(fd, POLLIN, 0);
}

void refuse_too_long(std::uint64_t number, std::size_t max_size)
{
    throw Error(Exit::Usage,
        fmt::format("stdin: message {} is longer than --max-size ({} bytes)", number, max_size));
}

Reader::Reader(int fd, Options const& options)
    : m_fd(fd)
    , m_options(options)
    , m_splitter(options.json ? Mode::Line : options.mode, options.delimiter, line_limit(options))
{
    struct stat status { };
    m_may_block = ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode);
}

std::optional<MessageView> Reader::next()
{
    std::string_view data;
    for (;;) {
        auto const status = m_splitter.next(data);
        if (status == Splitter::Status::Ready)
            break;
        if (status != Splitter::Status::NeedMore)
            fail(status);
        if (m_eof)
            return std::nullopt;
        if (!fill()) {
            if (m_stopped)
                return std::nullopt; // Not the end of the input: the last line is not complete.
            m_eof = true;
            m_splitter.finish();
        }
    }
    ++m_count;
    if (m_options.json)
        return decode_json(data);
    return MessageView { data, {}, 0 };
}

std::string_view Reader::next_run(std::size_t limit)
{
    if (m_options.json || m_options.mode == Mode::Whole || m_options.mode == Mode::Length)
        return {};
    for (;;) {
        std::string_view run;
        std::size_t count = 0;
        auto const status = m_splitter.next_run(run, limit, count);
        if (status == Splitter::Status::Ready) {
            m_count += count;
            return run;
        }
        if (status != Splitter::Status::NeedMore)
            fail(status);
        if (m_eof || m_stopped || m_splitter.pending() >= limit)
            return {};
        if (!fill()) {
            if (!m_stopped) {
                m_eof = true;
                m_splitter.finish();
            }
            return {};
        }
    }
}

// Reads once; false at end of input. A read that may block is preceded by a
// check for readiness, and on_idle runs when nothing is ready: that lets the
// caller flush its batches. Every read asks for 64 KiB or more, so one poll
// per read costs little per message (under 0.1 ns for 16-byte lines), and it
// cannot be skipped safely: a full read proves nothing about the next one.
bool Reader::fill()
{
    if (m_stopped)
        return false;
    auto const room = m_splitter.prepare(io_chunk_size);
    if (m_on_idle && m_may_block && !input_ready(m_fd) && !m_on_idle()) {
        m_stopped = true;
        return false;
    }
    auto const count = read_input(m_fd, room.data(), room.size());
    if (count == 0)
        return false;
    m_splitter.commit(count);
    return true;
}

MessageView Reader::decode_json(std::string_view line)
{
    std::string error;
    auto envelope = parse_json(line, error);
    if (!envelope)
        throw Error(Exit::Usage, fmt::format("stdin: line {}: {}", m_count, error));
    if (envelope->data.size() > m_options.max_size)
        refuse_too_long(m_count, m_options.max_size);
    m_json_data = std::move(envelope->data);
    m_json_topic = std::move(envelope->topic);
    m_json_headers = std::move(envelope->headers);
    return MessageView { m_json_data, m_json_topic, envelope->time_ns, m_json_headers };
}

void Reader::fail(Splitter::Status status) const
{
    std::uint64_t const number = m_count + 1;
    if (status == Splitter::Status::Truncated)
        throw Error(Exit::Usage,
            fmt::format("stdin: truncated --len frame at the end of input (message {})", number));
    if (m_options.json)
        throw Error(Exit::Usage,
            fmt::format("stdin: line {} is too long for --max-size ({} bytes)", number,
                m_options.max_size));
    refuse_too_long(number, m_options.max_size);
}

}
