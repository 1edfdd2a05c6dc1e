// Diagnostics are written with one writev() each, so lines from concurrent
// processes sharing stderr do not interleave, and nothing is allocated.

#include "ipc/core/log.hpp"

#include <cerrno>
#include <string>
#include <sys/uio.h>
#include <unistd.h>

namespace ipc {

namespace {

std::string& name_storage()
{
    static std::string name = "ipc";
    return name;
}

// Writes every part, resuming after short writes (stderr on a full pipe).
void write_all(iovec* next, int left) noexcept
{
    while (left > 0) {
        ssize_t const written = ::writev(STDERR_FILENO, next, left);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return; // Nowhere to report a broken stderr.
        auto done = static_cast<std::size_t>(written);
        while (left > 0 && done >= next->iov_len) {
            done -= next->iov_len;
            ++next;
            --left;
        }
        if (left > 0) {
            next->iov_base = static_cast<char*>(next->iov_base) + done;
            next->iov_len -= done;
        }
    }
}

}

void set_program_name(std::string_view name)
{
    name_storage().assign(name);
}

std::string_view program_name()
{
    return name_storage();
}

void warn_line(std::string_view message) noexcept
{
    auto const name = program_name();
    // iovec wants mutable pointers, but writev only reads through them.
    iovec parts[] = {
        { const_cast<char*>(name.data()), name.size() },
        { const_cast<char*>(": "), 2 },
        { const_cast<char*>(message.data()), message.size() },
        { const_cast<char*>("\n"), 1 },
    };
    int const saved = errno; // Callers may still want theirs.
    write_all(parts, 4);
    errno = saved;
}

}
