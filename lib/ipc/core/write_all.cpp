// writev() until every part is out (write_all.hpp).

#include "ipc/core/write_all.hpp"

#include <cerrno>
#include <cstddef>
#include <poll.h>
#include <unistd.h>

namespace ipc::sys {

bool write_all(int fd, iovec* parts, int count) noexcept
{
    while (count > 0) {
        ssize_t const written = ::writev(fd, parts, count);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd room { fd, POLLOUT, 0 };
            ::poll(&room, 1, -1);
            continue;
        }
        if (written < 0)
            return false;
        auto done = static_cast<std::size_t>(written);
        while (count > 0 && done >= parts->iov_len) { // Empty parts go here too.
            done -= parts->iov_len;
            ++parts;
            --count;
        }
        if (count > 0 && written == 0) {
            errno = EIO; // Nothing taken and no error: give up rather than spin.
            return false;
        }
        if (count > 0) {
            parts->iov_base = static_cast<char*>(parts->iov_base) + done;
            parts->iov_len -= done;
        }
    }
    return true;
}

}
