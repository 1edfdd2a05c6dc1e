#pragma once

// Thin wrappers over system calls: same arguments, but failures become
// SystemError naming the call and its object, so callers read top to bottom;
// and the one place that retries EINTR and waits on a non-blocking fd, so
// that no caller writes those loops itself.

#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fmt/format.h>
#include <functional>
#include <poll.h>
#include <string_view>
#include <sys/uio.h>

namespace ipc::sys {

inline Exit exit_for_errno(int error_number)
{
    switch (error_number) {
    case ECONNREFUSED:
    case ENOENT:
        return Exit::Unavailable;
    case EINVAL:
    case ENAMETOOLONG:
        return Exit::Usage;
    default:
        return Exit::IoError;
    }
}

[[noreturn]] inline void fail(std::string_view call, std::string_view object, int saved)
{
    auto message = object.empty() ? fmt::format("{}: {}", call, std::strerror(saved))
                                  : fmt::format("{} {}: {}", call, object, std::strerror(saved));
    throw SystemError(exit_for_errno(saved), std::move(message), saved);
}

// Returns rc unchanged, or throws e.g. "connect …/sub/3.sock: Connection refused".
inline long check(long rc, std::string_view call, std::string_view object = {})
{
    if (rc >= 0)
        return rc;
    fail(call, object, errno);
}

inline int check(int rc, std::string_view call, std::string_view object = {})
{
    if (rc >= 0)
        return rc;
    fail(call, object, errno);
}

// Waits until fd is ready for events (POLLIN, POLLOUT) or has an error or a
// hang-up (which the next read or write reports), for at most timeout_ms
// (-1: for ever, 0: only looks). EINTR is retried with the time left. False
// when the time ran out first; true as well when the wait itself fails, so
// that the caller's next call reports why.
bool wait_ready(int fd, short events, int timeout_ms = -1) noexcept;

// An open file description of our own for writing to the pipe, FIFO or
// terminal at fd, non-blocking, opened again through /proc: a tool can wait
// for room without making the description it shares with other processes
// non-blocking. Invalid when /proc cannot give one (a socket, a FIFO with
// no reader left).
Fd reopen_nonblocking(int fd);

// One read(2), retried on EINTR; where a non-blocking fd (a stdin we share)
// has nothing yet, waits for input instead of spinning. The count (0 at the
// end), or -1 with errno set.
long read_some(int fd, char* into, std::size_t size) noexcept;

struct Written {
    std::size_t count = 0; // Bytes written.
    int error = 0; // The errno that stopped it, or 0.
};

// Writes data to fd, resuming after short writes. Where a non-blocking fd
// has no room, calls on_blocked, which returns true once the fd may take
// more or false to give up (count is then short, with error 0); without
// on_blocked, waits for room.
Written write_out(int fd, std::string_view data, std::function<bool()> const& on_blocked = {});
// The same for parts written in order (one writev() of them all first); the
// parts are used up: advanced past what was written.
Written write_out(int fd, iovec* parts, int count, std::function<bool()> const& on_blocked = {});

// Writes all of data to fd, also to a non-blocking fd (a stdout we share),
// waiting for room. False with errno set when a write fails.
bool write_all(int fd, std::string_view data) noexcept;

// Writes every part, in order, starting with one writev() of them all, so
// that a line made of parts reaches a pipe whole (up to PIPE_BUF bytes), not
// cut by another process's. The parts are used up: advanced past what was
// written. False with errno set when a write fails; some bytes may be out.
bool write_all(int fd, iovec* parts, int count) noexcept;
}
