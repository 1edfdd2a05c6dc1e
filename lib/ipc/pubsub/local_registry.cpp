#include "ipc/pubsub/local_registry.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"

#include <fcntl.h>
#include <random>
#include <sys/stat.h>

namespace ipc::pubsub {

namespace {

constexpr std::string_view header = "ipc-sub 1\n";
constexpr std::size_t max_registration_size = 64 * 1024;

std::string encode(Registration const& registration)
{
    std::string text(header);
    for (auto const& pattern : registration.patterns)
        text += fmt::format("pattern {}\n", pattern.text());
    if (!registration.group.empty())
        text += fmt::format("group {}\n", registration.group);
    return text;
}

// Pure: nullopt for anything that is not a registration we understand.
std::optional<Registration> decode(std::string const& id, std::string_view text)
{
    if (!text.starts_with(header))
        return std::nullopt;
    text.remove_prefix(header.size());
    Registration registration { id, {}, {} };
    while (!text.empty()) {
        auto const end = text.find('\n');
        if (end == std::string_view::npos)
            return std::nullopt;
        auto const line = text.substr(0, end);
        text.remove_prefix(end + 1);
        if (line.starts_with("pattern ")) {
            auto pattern = Pattern::try_parse(line.substr(8));
            if (!pattern)
                return std::nullopt;
            registration.patterns.push_back(std::move(*pattern));
        } else if (line.starts_with("group ")) {
            registration.group = line.substr(6);
        } // Other lines are for later versions.
    }
    return registration;
}

std::string read_small_file(int dir_fd, std::string const& name)
{
    Fd fd { ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) };
    if (!fd)
        return {};
    std::string text(max_registration_size, '\0');
    std::size_t filled = 0;
    while (filled < text.size()) {
        auto const count = ::read(fd.get(), text.data() + filled, text.size() - filled);
        if (count <= 0)
            break;
        filled += static_cast<std::size_t>(count);
    }
    text.resize(filled);
    return text;
}

}

bool Registration::matches(std::string_view topic) const
{
    for (auto const& pattern : patterns)
        if (pattern.matches(topic))
            return true;
    return false;
}

LocalRegistry::LocalRegistry()
    : m_path(runtime_subdir("sub"))
    , m_dir(sys::check(::open(m_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", m_path))
{
}

std::vector<Registration> LocalRegistry::list() const
{
    std::vector<Registration> registrations;
    for (auto const& id : io::registered_ids(m_dir.get(), m_path))
        if (auto registration = read(id))
            registrations.push_back(std::move(*registration));
    return registrations;
}

std::optional<Registration> LocalRegistry::read(std::string const& id) const
{
    return decode(id, read_small_file(m_dir.get(), id + ".pat"));
}

void LocalRegistry::remove(std::string const& id) const noexcept
{
    ::unlinkat(m_dir.get(), (id + ".sock").c_str(), 0);
    ::unlinkat(m_dir.get(), (id + ".pat").c_str(), 0);
}

Fd LocalRegistry::add(Registration const& registration) const
{
    auto const& id = registration.id;
    auto const text = encode(registration);
    auto const temporary = id + ".tmp";
    {
        Fd fd { sys::check(::openat(m_dir.get(), temporary.c_str(),
                               O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600),
            "create", m_path + "/" + temporary) };
        if (!sys::write_all(fd.get(), text))
            sys::check(-1, "write", m_path + "/" + temporary);
    }
    sys::check(::renameat(m_dir.get(), temporary.c_str(), m_dir.get(), (id + ".pat").c_str()),
        "rename", m_path + "/" + id + ".pat");
    return io::listen_unix_registered(m_dir.get(), id, m_path);
}

bool LocalRegistry::touch(std::string const& id) const noexcept
{
    ::utimensat(m_dir.get(), (id + ".pat").c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
    bool const socket_there
        = ::utimensat(m_dir.get(), (id + ".sock").c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0;
    struct stat pattern_file { };
    return socket_there
        && ::fstatat(m_dir.get(), (id + ".pat").c_str(), &pattern_file, AT_SYMLINK_NOFOLLOW) == 0;
}

std::string LocalRegistry::new_id()
{
    std::random_device random;
    return fmt::format("{}-{:08x}{:08x}", ::getpid(), random(), random());
}

}
