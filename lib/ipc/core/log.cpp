// Diagnostics are written with one writev() each (sys::write_all of the
// parts), so lines from concurrent processes sharing stderr do not
// interleave, and nothing is allocated.

#include "ipc/core/log.hpp"

#include "ipc/core/sys.hpp"

#include <cerrno>
#include <string>
#include <unistd.h>

namespace ipc {

namespace {

std::string& name_storage()
{
    static std::string name = "ipc";
    return name;
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
    sys::write_all(STDERR_FILENO, parts, 4); // Nowhere to report a broken stderr.
    errno = saved;
}

}
