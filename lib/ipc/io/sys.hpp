#pragma once

// Thin wrappers over system calls: same arguments, but failures become
// SystemError naming the call and its object, so callers read top to bottom.

#include "ipc/core/error.hpp"
#include "ipc/core/write_all.hpp" // sys::write_all, here too.

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <unistd.h>

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

}
