// The sd_notify protocol: one datagram, "NAME=VALUE" lines, sent to an
// AF_UNIX socket named by NOTIFY_SOCKET (systemd's sd_notify(3)).

#include "ipc/io/notify.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/log.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>

namespace ipc::io {

bool notify(std::string_view state, char const* socket_name)
{
    std::string_view const name = socket_name ? socket_name : "";
    if (name.empty())
        return false;
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if ((name[0] != '/' && name[0] != '@') || name.size() > sizeof(address.sun_path)) {
        warn("NOTIFY_SOCKET={}: not a socket path or @abstract name; not telling the service "
             "manager",
            name);
        return false;
    }
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@')
        address.sun_path[0] = '\0'; // An abstract name: no file, no trailing NUL.
    auto const length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size()
        + (name[0] == '/' && name.size() < sizeof(address.sun_path) ? 1 : 0));
    Fd fd { ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
    long sent = -1;
    if (fd) {
        do
            sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                reinterpret_cast<sockaddr const*>(&address), length);
        while (sent < 0 && errno == EINTR);
    }
    if (sent != static_cast<long>(state.size())) {
        warn("NOTIFY_SOCKET={}: {}; not telling the service manager", name,
            sent < 0 ? std::strerror(errno) : "short send");
        return false;
    }
    return true;
}

bool notify(std::string_view state)
{
    return notify(state, std::getenv("NOTIFY_SOCKET"));
}

}
