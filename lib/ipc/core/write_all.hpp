#pragma once

// The one loop that writes all of some bytes to a descriptor: on after short
// writes and EINTR, waiting for room on a non-blocking one (a stdout we
// share). In core so that log.cpp, below io, writes its lines with it too;
// io/sys.hpp offers it with the other wrappers. A sender that must never
// wait uses io::OutBuffer instead.

#include <string_view>
#include <sys/uio.h>

namespace ipc::sys {

// Writes every part, in order, starting with one writev() of them all, so
// that a line made of parts reaches a pipe whole (up to PIPE_BUF bytes), not
// cut by another process's. The parts are used up: advanced past what was
// written. False with errno set when a write fails; some bytes may be out.
bool write_all(int fd, iovec* parts, int count) noexcept;

inline bool write_all(int fd, std::string_view data) noexcept
{
    iovec part { const_cast<char*>(data.data()), data.size() }; // writev only reads it.
    return write_all(fd, &part, 1);
}

}
