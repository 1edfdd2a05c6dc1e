#include "ipc/pubsub/local_registry.hpp"

#include "ipc/core/parse.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>

namespace ipc::pubsub {

namespace {

constexpr std::string_view header = "ipc-sub 1\n";
constexpr std::size_t max_registration_size = 64 * 1024;
// Tries at linking into an index directory that another subscriber may
// remove, empty, in between (each retry means it did).
constexpr int link_tries = 100;

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

std::string_view first_token(std::string_view text)
{
    return text.substr(0, text.find('.'));
}

std::string index_key(Pattern const& pattern)
{
    if (pattern.is_literal())
        return "topic/" + pattern.text();
    auto const first = first_token(pattern.text());
    if (first == "*" || first == ">")
        return "any";
    return fmt::format("prefix/{}", first);
}

}

std::string encode_registration(Registration const& registration)
{
    std::string text(header);
    for (auto const& pattern : registration.patterns)
        text += fmt::format("pattern {}\n", pattern.text());
    if (!registration.group.empty())
        text += fmt::format("group {}\n", registration.group);
    if (registration.since_ns != 0)
        text += fmt::format("since {}\n", registration.since_ns);
    return text;
}

std::optional<Registration> decode_registration(std::string const& id, std::string_view text)
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
        } else if (line.starts_with("since ")) {
            // Only listings read it: one that does not parse is left out.
            if (auto const since = parse_count(line.substr(6)))
                registration.since_ns = static_cast<std::int64_t>(*since);
        } // Other lines are for later versions.
    }
    return registration;
}

bool Registration::matches(std::string_view topic) const
{
    // Topics under _IPC are ipckit's own (the taps of services): only a
    // pattern that names _IPC matches them, as MQTT keeps $-topics from
    // wildcards, so that a catch-all '>' neither sees them nor turns taps on.
    auto const ipckit_own
        = [](std::string_view name) { return name.substr(0, name.find('.')) == "_IPC"; };
    bool const reserved = ipckit_own(topic);
    for (auto const& pattern : patterns)
        if ((!reserved || ipckit_own(pattern.text())) && pattern.matches(topic))
            return true;
    return false;
}

std::vector<std::string> index_keys(Registration const& registration)
{
    std::vector<std::string> keys;
    for (auto const& pattern : registration.patterns) {
        auto key = index_key(pattern);
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            keys.push_back(std::move(key));
    }
    return keys;
}

std::vector<std::string> index_keys(std::string_view topic)
{
    return { fmt::format("topic/{}", topic), fmt::format("prefix/{}", first_token(topic)), "any" };
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
    return decode_registration(id, read_small_file(m_dir.get(), id + ".pat"));
}

std::vector<std::string> LocalRegistry::indexed(std::string const& key) const
{
    std::vector<std::string> ids;
    int const fd
        = ::openat(m_dir.get(), key.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return ids; // No subscriber filed there (yet).
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        ::close(fd);
        sys::check(-1, "opendir", m_path + "/" + key);
    }
    while (auto const* entry = ::readdir(dir))
        if (entry->d_name[0] != '.')
            ids.emplace_back(entry->d_name);
    ::closedir(dir);
    return ids;
}

std::optional<Registration> LocalRegistry::read_indexed(
    std::string const& key, std::string const& id) const
{
    return decode_registration(id, read_small_file(m_dir.get(), key + "/" + id));
}

void LocalRegistry::remove(Registration const& registration) const noexcept
{
    auto const& id = registration.id;
    ::unlinkat(m_dir.get(), (id + ".sock").c_str(), 0);
    ::unlinkat(m_dir.get(), (id + ".new").c_str(), 0); // Left by one killed while registering.
    for (auto const& key : index_keys(registration)) {
        ::unlinkat(m_dir.get(), (key + "/" + id).c_str(), 0);
        // Empty directories go too (this fails while others are filed
        // there); a subscriber linking into one meanwhile makes it again.
        ::unlinkat(m_dir.get(), key.c_str(), AT_REMOVEDIR);
        if (auto const slash = key.find('/'); slash != std::string::npos)
            ::unlinkat(m_dir.get(), key.substr(0, slash).c_str(), AT_REMOVEDIR);
    }
    ::unlinkat(m_dir.get(), (id + ".pat").c_str(), 0);
}

bool LocalRegistry::abandoned(std::string const& id) const noexcept
{
    struct stat info { };
    if (::fstatat(m_dir.get(), (id + ".pat").c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
        return true;
    auto const modified = std::chrono::system_clock::time_point(
        std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec));
    return std::chrono::system_clock::now() - modified > abandoned_after;
}

void LocalRegistry::link_index(std::string const& id, std::string const& key) const
{
    auto const pattern_file = id + ".pat";
    auto const link = key + "/" + id;
    for (int tries = 0; tries < link_tries; ++tries) {
        if (::linkat(m_dir.get(), pattern_file.c_str(), m_dir.get(), link.c_str(), 0) == 0)
            return;
        if (errno == EEXIST) { // Left by an earlier registration under this id.
            ::unlinkat(m_dir.get(), link.c_str(), 0);
            continue;
        }
        if (errno != ENOENT)
            break;
        // Its directory is missing: make it (and "topic" or "prefix" above it).
        if (auto const slash = key.find('/'); slash != std::string::npos)
            ::mkdirat(m_dir.get(), key.substr(0, slash).c_str(), 0700);
        ::mkdirat(m_dir.get(), key.c_str(), 0700);
    }
    sys::check(-1, "link", m_path + "/" + link);
}

Fd LocalRegistry::add(Registration const& registration) const
{
    auto const& id = registration.id;
    auto const text = encode_registration(registration);
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
    for (auto const& key : index_keys(registration))
        link_index(id, key);
    return io::listen_unix_registered(m_dir.get(), id, m_path);
}

bool LocalRegistry::touch(Registration const& registration) const noexcept
{
    auto const& id = registration.id;
    // The index links share the .pat's inode, and so its times.
    ::utimensat(m_dir.get(), (id + ".pat").c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
    bool const socket_there
        = ::utimensat(m_dir.get(), (id + ".sock").c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0;
    struct stat pattern_file { };
    return socket_there
        && ::fstatat(m_dir.get(), (id + ".pat").c_str(), &pattern_file, AT_SYMLINK_NOFOLLOW) == 0
        && pattern_file.st_nlink == 1 + index_keys(registration).size();
}

std::string LocalRegistry::new_id()
{
    std::random_device random;
    return fmt::format("{}-{:08x}{:08x}", ::getpid(), random(), random());
}

}
