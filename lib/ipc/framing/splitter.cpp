#include "ipc/framing/splitter.hpp"

#include "ipc/core/bytes.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

namespace ipc::framing {

namespace {

constexpr std::size_t length_header_size = 4;

std::size_t saturating_add(std::size_t a, std::size_t b)
{
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

std::size_t read_be32(char const* bytes)
{
    std::size_t value = 0;
    for (std::size_t i = 0; i < length_header_size; ++i)
        value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
}

char delimiter_for(Mode mode, char delimiter)
{
    if (mode == Mode::Line)
        return '\n';
    if (mode == Mode::Nul)
        return '\0';
    return delimiter;
}

}

Splitter::Splitter(Mode mode, char delimiter, std::size_t max_size)
    : m_mode(mode)
    , m_delimiter(delimiter_for(mode, delimiter))
    , m_max_size(max_size)
{
}

std::span<char> Splitter::prepare(std::size_t want)
{
    assert(!m_finished);
    // Everything was returned: start over at the front, which costs nothing.
    if (m_begin == m_end) {
        m_begin = 0;
        m_end = 0;
        m_scanned = 0;
    }
    if (m_buffer.size() - m_end < want)
        make_room(want);
    return { m_buffer.data() + m_end, m_buffer.size() - m_end };
}

void Splitter::make_room(std::size_t want)
{
    std::size_t const pending = m_end - m_begin;
    if (m_begin > 0) {
        // Only the unreturned tail moves, usually a part of one message.
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, pending);
        m_begin = 0;
        m_end = pending;
    }
    std::size_t const needed = saturating_add(m_end, want);
    if (m_buffer.size() >= needed)
        return;
    // Doubling keeps growth amortised, but never past what one message of
    // max_size plus its framing and one more read can occupy.
    std::size_t const limit
        = std::max(needed, saturating_add(m_max_size, length_header_size + 1 + want));
    std::size_t const doubled = std::max(m_buffer.size() * 2, 2 * io_chunk_size);
    m_buffer.resize(std::min(std::max(needed, doubled), limit));
}

void Splitter::commit(std::size_t count)
{
    assert(count <= m_buffer.size() - m_end);
    m_end += count;
}

void Splitter::append(std::string_view bytes)
{
    auto room = prepare(bytes.size());
    if (!bytes.empty())
        std::memcpy(room.data(), bytes.data(), bytes.size());
    commit(bytes.size());
}

void Splitter::finish()
{
    m_finished = true;
}

Splitter::Status Splitter::next(std::string_view& message)
{
    if (m_too_large)
        return Status::TooLarge;
    switch (m_mode) {
    case Mode::Length:
        return next_length(message);
    case Mode::Whole:
        return next_whole(message);
    case Mode::Line:
    case Mode::Nul:
    case Mode::Delimiter:
        break;
    }
    return next_delimited(message);
}

Splitter::Status Splitter::next_run(std::string_view& run, std::size_t limit, std::size_t& count)
{
    if (m_too_large)
        return Status::TooLarge;
    char const* const begin = m_buffer.data() + m_begin;
    std::size_t const span = std::min(m_end - m_begin, limit);
    void const* last = ::memrchr(begin, m_delimiter, span);
    if (last == nullptr)
        return Status::NeedMore;
    auto length = static_cast<std::size_t>(static_cast<char const*>(last) - begin) + 1;
    if (length <= m_max_size) { // Every message fits max_size when the whole run does.
        count = count_byte({ begin, length }, m_delimiter);
    } else { // Check each; the run ends before one that is too long.
        count = 0;
        for (std::size_t at = 0; at < length; ++count) {
            auto const* end
                = static_cast<char const*>(std::memchr(begin + at, m_delimiter, length - at));
            auto const size = static_cast<std::size_t>(end - (begin + at));
            if (size > m_max_size) {
                if (count == 0)
                    return too_large();
                length = at;
                break;
            }
            at += size + 1;
        }
    }
    run = { begin, length };
    m_begin += length;
    m_scanned = 0;
    return Status::Ready;
}

Splitter::Status Splitter::too_large()
{
    m_too_large = true;
    return Status::TooLarge;
}

Splitter::Status Splitter::next_delimited(std::string_view& message)
{
    char const* const begin = m_buffer.data() + m_begin;
    std::size_t const available = m_end - m_begin;
    if (m_scanned < available) {
        // Only bytes not scanned before are searched, so a long line costs one pass.
        void const* found = std::memchr(begin + m_scanned, m_delimiter, available - m_scanned);
        if (found != nullptr) {
            auto const length = static_cast<std::size_t>(static_cast<char const*>(found) - begin);
            if (length > m_max_size)
                return too_large();
            message = { begin, length };
            m_begin += length + 1;
            m_scanned = 0;
            return Status::Ready;
        }
        m_scanned = available;
    }
    if (available > m_max_size)
        return too_large();
    if (!m_finished || available == 0)
        return Status::NeedMore;
    // The last message had no terminator; it is a message all the same.
    message = { begin, available };
    m_begin = m_end;
    m_scanned = 0;
    return Status::Ready;
}

Splitter::Status Splitter::next_length(std::string_view& message)
{
    char const* const begin = m_buffer.data() + m_begin;
    std::size_t const available = m_end - m_begin;
    if (available < length_header_size)
        return m_finished && available > 0 ? Status::Truncated : Status::NeedMore;
    std::size_t const length = read_be32(begin);
    if (length > m_max_size)
        return too_large();
    if (available - length_header_size < length)
        return m_finished ? Status::Truncated : Status::NeedMore;
    message = { begin + length_header_size, length };
    m_begin += length_header_size + length;
    return Status::Ready;
}

Splitter::Status Splitter::next_whole(std::string_view& message)
{
    std::size_t const available = m_end - m_begin;
    if (available > m_max_size)
        return too_large();
    // An empty input is one empty message: `printf '' | ipc-pub --whole t`
    // publishes an empty message, as `ipc-pub t ''` does.
    if (!m_finished || m_whole_returned)
        return Status::NeedMore;
    m_whole_returned = true;
    message = { m_buffer.data() + m_begin, available };
    m_begin = m_end;
    return Status::Ready;
}

}
