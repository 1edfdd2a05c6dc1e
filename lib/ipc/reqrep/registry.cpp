// The svc/NAME directory of local servers (registry.hpp): listing their
// sockets in a random order, adding, touching and removing them.

#include "ipc/reqrep/registry.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"
#include "ipc/reqrep/server_card.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <dirent.h>
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
    if (!m_dir)
        return;
    ::unlinkat(m_dir.get(), (id + ".sock").c_str(), 0);
    ::unlinkat(m_dir.get(), server_card_name(id).c_str(), 0);
}

bool Registry::touch(std::string const& id) const noexcept
{
    bool const socket_there
        = ::utimensat(m_dir.get(), (id + ".sock").c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0;
    return ::utimensat(m_dir.get(), server_card_name(id).c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0
        && socket_there;
}

std::vector<std::string> Registry::names()
{
    std::vector<std::string> names;
    auto const path = runtime_dir(Create::No) + "/svc";
    DIR* dir = ::opendir(path.c_str());
    if (!dir)
        return names; // No service ever ran.
    while (auto const* entry = ::readdir(dir))
        if (is_valid_name(entry->d_name))
            names.emplace_back(entry->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

}
