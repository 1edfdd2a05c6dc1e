// The waiting and retrying half of sys.hpp: EINTR and EAGAIN handled once.

#include "ipc/core/sys.hpp"

#include "ipc/core/time.hpp"

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

namespace ipc::sys {

bool wait_ready(int fd, short events, int timeout_ms) noexcept
{
    auto const deadline
        = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    pollfd entry { fd, events, 0 };
    for (;;) {
        int const ready = ::poll(&entry, 1, timeout_ms);
        if (ready >= 0)
            return ready > 0;
        if (errno != EINTR)
            return true;
        if (timeout_ms > 0)
            timeout_ms = ms_until(deadline);
    }
}

Fd reopen_nonblocking(int fd)
{
    auto const path = fmt::format("/proc/self/fd/{}", fd);
    return Fd { ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) };
}

long read_some(int fd, char* into, std::size_t size) noexcept
{
    for (;;) {
        auto const count = ::read(fd, into, size);
        if (count >= 0)
            return count;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            wait_ready(fd, POLLIN);
        else if (errno != EINTR)
            return count;
    }
}

Written write_out(int fd, iovec* parts, int count, std::function<bool()> const& on_blocked)
{
    Written written;
    while (count > 0) {
        ssize_t const wrote = ::writev(fd, parts, count);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!(on_blocked ? on_blocked() : wait_ready(fd, POLLOUT)))
                break; // Given up.
            continue;
        }
        if (wrote < 0) {
            written.error = errno;
            break;
        }
        written.count += static_cast<std::size_t>(wrote);
        auto done = static_cast<std::size_t>(wrote);
        while (count > 0 && done >= parts->iov_len) { // Empty parts go here too.
            done -= parts->iov_len;
            ++parts;
            --count;
        }
        if (count > 0 && wrote == 0) {
            written.error = EIO; // Nothing taken and no error: give up rather than spin.
            break;
        }
        if (count > 0) {
            parts->iov_base = static_cast<char*>(parts->iov_base) + done;
            parts->iov_len -= done;
        }
    }
    return written;
}

Written write_out(int fd, std::string_view data, std::function<bool()> const& on_blocked)
{
    iovec part { const_cast<char*>(data.data()), data.size() }; // writev only reads it.
    return write_out(fd, &part, 1, on_blocked);
}

bool write_all(int fd, iovec* parts, int count) noexcept
{
    auto const written = write_out(fd, parts, count, {});
    if (written.error != 0)
        errno = written.error;
    return written.error == 0;
}

bool write_all(int fd, std::string_view data) noexcept
{
    iovec part { const_cast<char*>(data.data()), data.size() };
    return write_all(fd, &part, 1);
}
}
