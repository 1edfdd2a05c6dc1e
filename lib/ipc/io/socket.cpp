#include "ipc/io/socket.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

// Resolves host (127.0.0.1 when empty) for a stream socket.
struct Resolved {
    sockaddr_storage address {};
    socklen_t length = 0;
    int family = AF_INET;
};

Resolved resolve(std::string const& host, std::uint16_t port, bool passive)
{
    addrinfo hints {};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    addrinfo* found = nullptr;
    auto const service = std::to_string(port);
    int const rc
        = ::getaddrinfo(host.empty() ? "127.0.0.1" : host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0 || !found)
        throw Error(Exit::Usage,
            fmt::format("{}: cannot resolve host: {}", host, ::gai_strerror(rc)),
            "use an IP address such as 127.0.0.1");
    Resolved resolved;
    std::memcpy(&resolved.address, found->ai_addr, found->ai_addrlen);
    resolved.length = found->ai_addrlen;
    resolved.family = found->ai_family;
    ::freeaddrinfo(found);
    return resolved;
}

void set_no_delay(int fd)
{
    int const one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); // Latency over batching.
}

}

Fd listen_tcp(std::string const& host, std::uint16_t& port, std::string const& display)
{
    auto const resolved = resolve(host, port, true);
    Fd fd { sys::check(
        ::socket(resolved.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), "socket") };
    int const one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sys::check(
        ::bind(fd.get(), reinterpret_cast<sockaddr const*>(&resolved.address), resolved.length),
        "bind", display);
    sys::check(::listen(fd.get(), SOMAXCONN), "listen", display);
    sockaddr_storage bound {};
    socklen_t length = sizeof(bound);
    sys::check(
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length), "getsockname");
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return fd;
}

std::optional<Fd> try_connect_tcp(std::string const& host, std::uint16_t port, int& errno_out)
{
    auto const resolved = resolve(host, port, false);
    Fd fd { sys::check(::socket(resolved.family, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket") };
    errno_out = 0;
    while (
        ::connect(fd.get(), reinterpret_cast<sockaddr const*>(&resolved.address), resolved.length)
        != 0) {
        if (errno == EINTR)
            continue;
        errno_out = errno;
        if (errno == ECONNREFUSED || errno == ENETUNREACH || errno == EHOSTUNREACH
            || errno == ETIMEDOUT)
            return std::nullopt;
        sys::fail("connect", fmt::format("{}:{}", host, port), errno);
    }
    set_no_delay(fd.get());
    return fd;
}

void set_tcp_no_delay(int fd)
{
    set_no_delay(fd);
}

std::string peer_address(int fd)
{
    sockaddr_storage address {};
    socklen_t size = sizeof address;
    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0
        || ::getnameinfo(reinterpret_cast<sockaddr*>(&address), size, host, sizeof host, port,
               sizeof port, NI_NUMERICHOST | NI_NUMERICSERV)
            != 0)
        return "?";
    if (address.ss_family == AF_INET6)
        return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

Fd accept_connection(int listener)
{
    // Opened while descriptors are still to be had.
    static Fd spare { ::open("/dev/null", O_RDONLY | O_CLOEXEC) };
    static bool warned = false;
    Fd fd { ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC) };
    if (fd || (errno != EMFILE && errno != ENFILE) || !spare)
        return fd; // A connection, EAGAIN, or a peer that gave up already.
    if (!warned)
        warn("out of file descriptors: refusing new connections until some close");
    warned = true;
    spare.reset();
    Fd { ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC) };
    spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return {};
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

Fd listen_unix_registered(int dir_fd, std::string const& id, std::string const& dir_path)
{
    auto const pending = id + ".new";
    ::unlinkat(dir_fd, pending.c_str(), 0);
    auto listener = listen_unix(dir_fd, pending, dir_path + "/" + pending);
    sys::check(::renameat(dir_fd, pending.c_str(), dir_fd, (id + ".sock").c_str()), "rename",
        dir_path + "/" + id + ".sock");
    return listener;
}

std::optional<std::string> registered_id(std::string_view file_name)
{
    constexpr std::string_view suffix = ".sock";
    if (file_name.size() <= suffix.size() || !file_name.ends_with(suffix))
        return std::nullopt;
    return std::string(file_name.substr(0, file_name.size() - suffix.size()));
}

std::vector<std::string> registered_ids(int dir_fd, std::string const& dir_path)
{
    int const fd = sys::check(::dup(dir_fd), "dup");
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        ::close(fd);
        sys::check(-1, "opendir", dir_path);
    }
    ::rewinddir(dir); // The duplicate shares the offset of an earlier listing.
    std::vector<std::string> ids;
    while (auto const* entry = ::readdir(dir))
        if (auto id = registered_id(entry->d_name))
            ids.push_back(std::move(*id));
    ::closedir(dir);
    return ids;
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

std::optional<Peer> probe_unix(int dir_fd, std::string const& name, int& errno_out)
{
    auto fd = try_connect_unix(dir_fd, name, Blocking::No, errno_out);
    if (fd)
        return peer_of(fd->get());
    if (errno_out == EAGAIN)
        return Peer {};
    return std::nullopt;
}

Peer peer_of(int fd)
{
    ucred credentials {};
    socklen_t length = sizeof(credentials);
    sys::check(
        ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length), "getsockopt SO_PEERCRED");
    Peer peer { credentials.pid, credentials.uid, credentials.gid };
    peer.groups.resize(32);
    for (int round = 0; round < 2; ++round) {
        auto size = static_cast<socklen_t>(peer.groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer.groups.data(), &size) == 0) {
            peer.groups.resize(size / sizeof(gid_t));
            return peer;
        }
        if (errno != ERANGE)
            break; // An old kernel: the primary group only.
        peer.groups.resize(size / sizeof(gid_t)); // The size it needs.
    }
    peer.groups.clear();
    return peer;
}

bool Access::allows(Peer const& peer) const
{
    auto const allowed
        = [&](gid_t gid) { return std::find(gids.begin(), gids.end(), gid) != gids.end(); };
    return peer.uid == ::geteuid() || std::find(uids.begin(), uids.end(), peer.uid) != uids.end()
        || allowed(peer.gid) || std::any_of(peer.groups.begin(), peer.groups.end(), allowed);
}

void set_blocking(int fd, Blocking blocking)
{
    int const flags = sys::check(::fcntl(fd, F_GETFL), "fcntl F_GETFL");
    int const wanted = blocking == Blocking::Yes ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (wanted != flags)
        sys::check(::fcntl(fd, F_SETFL, wanted), "fcntl F_SETFL");
}

}
