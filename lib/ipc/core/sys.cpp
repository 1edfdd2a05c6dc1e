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

}
