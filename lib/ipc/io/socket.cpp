#include "ipc/io/socket.hpp"

#include "ipc/io/sys.hpp"

#include <algorithm>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace ipc::io {

namespace {

// /proc/self/fd/N/NAME reaches NAME inside an open directory whatever the
// directory's own path length, which sun_path (108 bytes) could not hold.
sockaddr_un address_in(int dir_fd, std::string const& name, std::string const& display)
{
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    auto const path = fmt::format("/proc/self/fd/{}/{}", dir_fd, name);
    if (path.size() >= sizeof(address.sun_path))
        throw Error(Exit::Usage, fmt::format("{}: socket name is too long", display));
    std::copy(path.begin(), path.end(), address.sun_path);
    return address;
}

sockaddr const* as_sockaddr(sockaddr_un const& address)
{
    return reinterpret_cast<sockaddr const*>(&address);
}

}

Fd listen_unix(int dir_fd, std::string const& name, std::string const& display_path)
{
    auto const address = address_in(dir_fd, name, display_path);
    Fd fd { sys::check(
        ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), "socket") };
    sys::check(::bind(fd.get(), as_sockaddr(address), sizeof(address)), "bind", display_path);
    sys::check(::listen(fd.get(), SOMAXCONN), "listen", display_path);
    return fd;
}

std::optional<Fd> try_connect_unix(
    int dir_fd, std::string const& name, Blocking blocking, int& errno_out)
{
    auto const address = address_in(dir_fd, name, name);
    int const flags = SOCK_STREAM | SOCK_CLOEXEC | (blocking == Blocking::No ? SOCK_NONBLOCK : 0);
    Fd fd { sys::check(::socket(AF_UNIX, flags, 0), "socket") };
    errno_out = 0;
    while (::connect(fd.get(), as_sockaddr(address), sizeof(address)) != 0) {
        if (errno == EINTR)
            continue;
        errno_out = errno;
        if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTSOCK)
            return std::nullopt;
        if (errno == EAGAIN) // The listener's backlog is full: it is alive but busy.
            return std::nullopt;
        sys::fail("connect", name, errno);
    }
    return fd;
}

Peer peer_of(int fd)
{
    ucred credentials {};
    socklen_t length = sizeof(credentials);
    sys::check(
        ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length), "getsockopt SO_PEERCRED");
    return { credentials.pid, credentials.uid, credentials.gid };
}

bool Access::allows(Peer const& peer) const
{
    return peer.uid == ::geteuid() || std::find(uids.begin(), uids.end(), peer.uid) != uids.end()
        || std::find(gids.begin(), gids.end(), peer.gid) != gids.end();
}

bool write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        auto const written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                pollfd wait { fd, POLLOUT, 0 };
                ::poll(&wait, 1, -1);
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

void set_blocking(int fd, Blocking blocking)
{
    int const flags = sys::check(::fcntl(fd, F_GETFL), "fcntl F_GETFL");
    int const wanted = blocking == Blocking::Yes ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (wanted != flags)
        sys::check(::fcntl(fd, F_SETFL, wanted), "fcntl F_SETFL");
}

}
