// What every backend's server shares outside the Dispatcher: readiness.

#include "ipc/reqrep/server.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/notify.hpp"

#include <cstdio>
#include <fcntl.h>

namespace ipc::reqrep {

void announce_ready(std::string const& ready_file, std::string const& address)
{
    io::notify("READY=1"); // First: once the ready file is there, so is a warning.
    if (!ready_file.empty()) {
        auto const temporary = ready_file + ".tmp";
        {
            Fd fd { sys::check(::open(temporary.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644),
                "create", temporary) };
            if (!sys::write_all(fd.get(), address + "\n"))
                sys::check(-1, "write", temporary);
        }
        sys::check(::rename(temporary.c_str(), ready_file.c_str()), "rename", ready_file);
    }
}

}
