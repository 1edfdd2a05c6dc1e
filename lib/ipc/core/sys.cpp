// The waiting and retrying half of sys.hpp: EINTR and EAGAIN handled once.

#include "ipc/core/sys.hpp"

#include "ipc/core/time.hpp"

#include <algorithm>
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

namespace {

long write_some(int fd, std::string_view data) noexcept
{
    for (;;) {
        auto const count = ::write(fd, data.data(), data.size());
        if (count >= 0 || errno != EINTR)
            return count;
    }
}

}

Written write_out(int fd, std::string_view data, std::function<bool()> const& on_blocked)
{
    Written written;
    while (written.count < data.size()) {
        auto const count = write_some(fd, data.substr(written.count));
        if (count >= 0) {
            written.count += static_cast<std::size_t>(count);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            written.error = errno;
            break;
        } else if (!(on_blocked ? on_blocked() : wait_ready(fd, POLLOUT))) {
            break; // Given up.
        }
    }
    return written;
}

bool write_all(int fd, std::string_view data) noexcept
{
    auto const written = write_out(fd, data);
    if (written.error != 0)
        errno = written.error;
    return written.error == 0;
}

bool write_all(int fd, iovec* parts, int count) noexcept
{
    while (count > 0) {
        ssize_t const written = ::writev(fd, parts, count);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wait_ready(fd, POLLOUT);
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
