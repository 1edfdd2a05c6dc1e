// send() with MSG_NOSIGNAL for sockets, so that a client gone away is an
// EPIPE and not a signal, and MSG_DONTWAIT, so that a socket we share
// blocking (a stdout) blocks us no more than our own non-blocking ones;
// write() for pipes, where send() cannot be used.

#include "ipc/io/out_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace ipc::io {

void OutBuffer::truncate(std::uint64_t position) noexcept
{
    auto const keep = std::clamp(position, m_written, this->position()) - m_written;
    m_data.resize(m_done + static_cast<std::size_t>(keep));
}

OutBuffer::Status OutBuffer::write_to(int fd)
{
    while (m_done < m_data.size()) {
        auto const* data = m_data.data() + m_done;
        auto const size = m_data.size() - m_done;
        auto const written = m_socket ? ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT)
                                      : ::write(fd, data, size);
        if (written >= 0) {
            m_done += static_cast<std::size_t>(written);
            m_written += static_cast<std::uint64_t>(written);
        } else if (errno == ENOTSOCK && m_socket) {
            m_socket = false;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (m_done >= compact_after && m_done >= m_data.size() - m_done) {
                m_data.erase(0, m_done);
                m_done = 0;
            }
            return Status::Blocked;
        } else if (errno != EINTR) {
            return Status::Closed;
        }
    }
    clear();
    return Status::Done;
}

}
