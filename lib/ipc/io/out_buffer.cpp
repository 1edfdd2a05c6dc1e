// send() with MSG_NOSIGNAL for sockets, so that a client gone away is an
// EPIPE and not a signal; write() for pipes, where send() cannot be used.

#include "ipc/io/out_buffer.hpp"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace ipc::io {

OutBuffer::Status OutBuffer::write_to(int fd)
{
    while (m_done < m_data.size()) {
        auto const* data = m_data.data() + m_done;
        auto const size = m_data.size() - m_done;
        auto const written
            = m_socket ? ::send(fd, data, size, MSG_NOSIGNAL) : ::write(fd, data, size);
        if (written >= 0) {
            m_done += static_cast<std::size_t>(written);
        } else if (errno == ENOTSOCK && m_socket) {
            m_socket = false;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Status::Blocked;
        } else if (errno != EINTR) {
            return Status::Closed;
        }
    }
    clear();
    return Status::Done;
}

}
