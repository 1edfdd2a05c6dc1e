#pragma once

// Bytes queued for a non-blocking socket or pipe, written as fast as it
// takes them: the send buffer of a connection, a co-process or a
// subscriber. Frames are appended at the back; write_to() writes from the
// front and says whether all went, the descriptor is full (wait for
// EPOLLOUT/POLLOUT), or the other end is gone. Positions count bytes in
// the stream since the buffer was made, so a caller can mark where its
// frames start and end and see which were written.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::io {

class OutBuffer {
public:
    enum class Status { Done, Blocked, Closed };

    // What is written already is dropped from the front once it is at least
    // this large and at least as large as what is left, so that a buffer that
    // never empties (a slow reader, kept busy) does not grow without end, and
    // fewer bytes are moved than were written.
    static constexpr std::size_t compact_after = 64 * 1024;

    // Where frames are appended (wire::append_reply and the like). Offsets
    // into it hold only until the next write_to(), which may empty it or
    // move what is pending to the front; positions hold.
    std::string& back() { return m_data; }
    void append(std::string_view bytes) { m_data.append(bytes); }

    // The bytes not written yet.
    std::string_view pending() const { return std::string_view(m_data).substr(m_done); }
    bool empty() const { return m_done == m_data.size(); }
    // Drops what is pending; written() stays.
    void clear() noexcept
    {
        m_data.clear();
        m_done = 0;
    }

    // Bytes written to the descriptor since the buffer was made: the
    // position of the first pending byte.
    std::uint64_t written() const { return m_written; }
    // The position of the next byte appended.
    std::uint64_t position() const { return m_written + (m_data.size() - m_done); }
    // Takes back the pending bytes from position on, which has not begun to
    // be written (from written() to position(); outside that, clamped).
    void truncate(std::uint64_t position) noexcept;

    // Writes what fd takes now (never raising SIGPIPE). Done: all of it,
    // and the buffer is empty again; Blocked: fd is full; Closed: a write
    // failed, errno says why (EPIPE, ECONNRESET: the reader went away), and
    // what was not written stays.
    Status write_to(int fd);

private:
    std::string m_data;
    std::size_t m_done = 0; // Bytes at the front of m_data already written.
    std::uint64_t m_written = 0;
    bool m_socket = true; // Until send() says ENOTSOCK: then write().
};

}
