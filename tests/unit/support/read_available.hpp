#pragma once

// Reading what a test's pipe or socket holds, in one call.

#include <cerrno>
#include <cstddef>
#include <string>
#include <unistd.h>

namespace ipc::test {

// Everything up to end of input (blocking fd), or up to "nothing ready"
// (non-blocking fd). Safe in any thread: it asserts nothing.
inline std::string read_available(int fd)
{
    std::string out;
    char buffer[65536];
    for (;;) {
        auto const count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return out;
        out.append(buffer, static_cast<std::size_t>(count));
    }
}

}
