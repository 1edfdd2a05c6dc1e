// The svc/NAME directory of local servers (registry.hpp): listing their
// sockets in a random order, adding, touching and removing them.

#include "ipc/reqrep/registry.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>

namespace ipc::reqrep {

Registry::Registry(std::string const& name, bool create)
    : m_path(runtime_subdir("svc/" + name, create ? Create::Yes : Create::No))
    , m_dir(::open(m_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
{
    if (!m_dir && (create || errno != ENOENT))
        sys::check(-1, "open", m_path);
}

std::vector<std::string> Registry::list() const
{
    if (!m_dir)
        return {};
    auto ids = io::registered_ids(m_dir.get(), m_path);
    if (ids.size() > 1) {
        // Cheap randomness is enough to spread clients; no /dev/urandom read.
        // The seed is mixed (splitmix64): clients started one after another
        // have nearby pids and times, and minstd_rand alone would send them
        // all to the same server.
        timespec now {};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        std::uint64_t seed = (static_cast<std::uint64_t>(::getpid()) << 32)
            ^ static_cast<std::uint64_t>(now.tv_nsec) ^ static_cast<std::uint64_t>(now.tv_sec);
        seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9;
        seed = (seed ^ (seed >> 27)) * 0x94d049bb133111eb;
        seed ^= seed >> 31;
        std::mt19937 random(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
        std::shuffle(ids.begin(), ids.end(), random);
    }
    return ids;
}

Fd Registry::add(std::string const& id) const
{
    return io::listen_unix_registered(m_dir.get(), id, m_path);
}

void Registry::remove(std::string const& id) const noexcept
{
    if (m_dir)
        ::unlinkat(m_dir.get(), (id + ".sock").c_str(), 0);
}

bool Registry::touch(std::string const& id) const noexcept
{
    return ::utimensat(m_dir.get(), (id + ".sock").c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0;
}

}
