// Binding a server's address (listener.hpp): a registry socket for a NAME,
// a path (replacing only a stale socket) or a TCP port.

#include "ipc/reqrep/listener.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/core/time.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/name.hpp"

#include <fcntl.h>
#include <random>
#include <sys/stat.h>

namespace ipc::reqrep {

namespace {

constexpr auto refresh_interval = std::chrono::minutes(10);

std::string new_id()
{
    std::random_device random;
    return fmt::format("{}-{:08x}", ::getpid(), random());
}

// Binds path, replacing a socket nobody listens on; refuses a live one and
// anything that is not a socket.
Fd listen_path(std::string const& path)
{
    auto const slash = path.rfind('/');
    auto const dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
    auto const base = path.substr(slash == std::string::npos ? 0 : slash + 1);
    Fd dir_fd { sys::check(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), "open", dir) };
    struct stat status { };
    if (::fstatat(dir_fd.get(), base.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISSOCK(status.st_mode))
            throw Error(Exit::Usage, fmt::format("{}: exists and is not a socket", printable(path)),
                "remove it or choose another path");
        int error = 0;
        if (io::probe_unix(dir_fd.get(), base, error))
            throw Error(Exit::Usage,
                fmt::format("unix:{}: another server is listening there", printable(path)),
                "stop it or choose another path");
        ::unlinkat(dir_fd.get(), base.c_str(), 0); // Stale: its server died.
    }
    return io::listen_unix(dir_fd.get(), base, path);
}

}

Listener::Listener(Address const& address)
    : m_address(address)
    , m_next_refresh(std::chrono::steady_clock::now() + refresh_interval)
{
    switch (address.kind) {
    case Address::Kind::Name:
        m_registry.emplace(address.name, true);
        m_id = new_id();
        m_since_ns = now_ns();
        m_card = ServerCard(m_registry->dir_fd(), m_id, m_registry->path(), m_since_ns);
        m_fd = m_registry->add(m_id);
        m_resolved = fmt::format("unix:{}/{}.sock", m_registry->path(), m_id);
        break;
    case Address::Kind::Unix:
        m_fd = listen_path(address.path);
        m_resolved = "unix:" + address.path;
        break;
    case Address::Kind::Tcp: {
        auto port = address.port;
        auto const host = address.host.empty() ? std::string("127.0.0.1") : address.host;
        m_fd = io::listen_tcp(host, port, address.text());
        Address bound = address;
        bound.host = host;
        bound.port = port;
        m_resolved = bound.text();
        break;
    }
    }
}

Listener::~Listener()
{
    close();
}

void Listener::close() noexcept
{
    if (!m_fd)
        return;
    m_fd.reset();
    if (m_registry)
        m_registry->remove(m_id);
    else if (m_address.kind == Address::Kind::Unix)
        ::unlink(m_address.path.c_str());
}

bool Listener::refresh()
{
    auto const now = std::chrono::steady_clock::now();
    if (!m_registry || !m_fd || now < m_next_refresh)
        return false;
    m_next_refresh = now + refresh_interval;
    if (m_registry->touch(m_id))
        return false;
    // A cleaner deleted our socket: bind a new one in its place. The old fd
    // is replaced, so the caller re-reads fd().
    m_registry->remove(m_id);
    m_card
        = ServerCard(m_registry->dir_fd(), m_id, m_registry->path(), m_since_ns, m_card.served());
    m_fd = m_registry->add(m_id);
    return true;
}

}
