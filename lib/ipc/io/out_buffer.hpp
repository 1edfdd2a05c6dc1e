#pragma once

// Bytes queued for a non-blocking socket or pipe, written as fast as it
// takes them: the send buffer of a connection or a co-process. Frames are
// appended at the back; write_to() writes from the front and says whether
// all went, the descriptor is full (wait for EPOLLOUT/POLLOUT), or the
// other end is gone.

#include <cstddef>
#include <string>
#include <string_view>

namespace ipc::io {

class OutBuffer {
public:
    enum class Status { Done, Blocked, Closed };

    // Where frames are appended (wire::append_reply and the like).
    std::string& back() { return m_data; }
    void append(std::string_view bytes) { m_data.append(bytes); }

    // The bytes not written yet.
    std::string_view pending() const { return std::string_view(m_data).substr(m_done); }
    bool empty() const { return m_done == m_data.size(); }
    void clear() noexcept
    {
        m_data.clear();
        m_done = 0;
    }

    // Writes what fd takes now (never raising SIGPIPE). Done: all of it,
    // and the buffer is empty again; Blocked: fd is full; Closed: a write
    // failed, errno says why (EPIPE, ECONNRESET: the reader went away), and
    // what was not written stays.
    Status write_to(int fd);

private:
    std::string m_data;
    std::size_t m_done = 0;
    bool m_socket = true; // Until send() says ENOTSOCK: then write().
};

}
