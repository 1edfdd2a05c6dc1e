// What every backend's server shares outside the Dispatcher: --ready-file.

#include "ipc/reqrep/server.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"

#include <cstdio>
#include <fcntl.h>

namespace ipc::reqrep {

void write_ready_file(std::string const& path, std::string const& address)
{
    auto const temporary = path + ".tmp";
    {
        Fd fd { sys::check(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644),
            "create", temporary) };
        if (!sys::write_all(fd.get(), address + "\n"))
            sys::check(-1, "write", temporary);
    }
    sys::check(::rename(temporary.c_str(), path.c_str()), "rename", path);
}

}
