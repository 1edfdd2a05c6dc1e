// The directories are checked with lstat() after any creation, and nothing
// is created inside one that failed the checks: another user must not be
// able to redirect our sockets by planting a symlink or a directory in /tmp.

#include "ipc/names/dirs.hpp"

#include "ipc/core/error.hpp"
#include "ipc/names/name.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ipc {

namespace {

std::string_view environment(char const* name)
{
    char const* value = std::getenv(name);
    return value ? value : "";
}

[[noreturn]] void refuse(std::string const& path, std::string const& what, std::string hint)
{
    throw Error(Exit::Usage, fmt::format("{}: {}", printable(path), what), std::move(hint));
}

// True when path is a private directory of ours, false when it does not
// exist; throws otherwise. variable names the setting that chose the path.
bool check_private(std::string const& path, std::string_view variable)
{
    auto const elsewhere = fmt::format("set {} to a private directory", variable);
    struct stat status;
    if (::lstat(path.c_str(), &status) != 0) {
        if (errno == ENOENT)
            return false;
        if (errno == ENOTDIR)
            refuse(path, "is below a file that is not a directory", elsewhere);
        refuse(path, fmt::format("cannot check directory: {}", std::strerror(errno)), elsewhere);
    }
    if (S_ISLNK(status.st_mode))
        refuse(path, "is a symbolic link", "remove it, or " + elsewhere);
    if (!S_ISDIR(status.st_mode))
        refuse(path, "is not a directory", "remove it, or " + elsewhere);
    if (status.st_uid != ::geteuid())
        refuse(path, fmt::format("is owned by uid {}, not by you", status.st_uid), elsewhere);
    if ((status.st_mode & 077) != 0)
        refuse(path,
            fmt::format("is accessible by group or others (mode {:04o})", status.st_mode & 07777),
            "run 'chmod 700' on it, or " + elsewhere);
    return true;
}

// Creates one directory, private (0700) whatever the umask: mkdir() makes
// it no more open than that, and chmod() no less, so that we can use it.
// One that already exists is left for the caller to check.
void make_directory(std::string const& path, std::string_view variable)
{
    if (::mkdir(path.c_str(), 0700) == 0) {
        // Through an fd, never through a symlink planted in its place.
        int const fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            ::fchmod(fd, 0700);
            ::close(fd);
        }
    } else if (errno != EEXIST) {
        refuse(path, fmt::format("cannot create directory: {}", std::strerror(errno)),
            fmt::format("set {} to a directory you can create", variable));
    }
}

// Returns path once it is a private directory, creating it (and, like
// mkdir -p, its missing parents, private too) when asked.
std::string private_directory(std::string path, Create create, std::string_view variable)
{
    if (path.empty() || path.front() != '/')
        refuse(
            path, "is not an absolute path", fmt::format("set {} to an absolute path", variable));
    // A trailing slash would make lstat() follow a symlink.
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    if (check_private(path, variable) || create == Create::No)
        return path;
    for (auto slash = path.find('/', 1); slash != path.npos; slash = path.find('/', slash + 1))
        make_directory(path.substr(0, slash), variable);
    make_directory(path, variable);
    if (!check_private(path, variable))
        refuse(path, "was removed while it was being created", "try again");
    return path;
}

std::string home_directory()
{
    if (auto const home = environment("HOME"); !home.empty())
        return std::string(home);
    if (passwd const* entry = ::getpwuid(::geteuid()); entry && entry->pw_dir && *entry->pw_dir)
        return entry->pw_dir;
    throw Error(Exit::Usage, "cannot find your home directory", "set IPC_STATE_DIR");
}

}

std::string runtime_dir(Create create)
{
    auto const configured = environment("IPC_DIR");
    auto path
        = configured.empty() ? fmt::format("/tmp/ipc-{}", ::geteuid()) : std::string(configured);
    return private_directory(std::move(path), create, "IPC_DIR");
}

std::string runtime_scope()
{
    auto const configured = environment("IPC_DIR");
    if (configured.empty())
        return {};
    std::error_code error; // absolute() fails only without a working directory.
    auto path = std::filesystem::absolute(std::string(configured), error);
    auto const text = (error ? std::filesystem::path(std::string(configured)) : path)
                          .lexically_normal()
                          .string();
    std::string_view const trimmed = text.size() > 1 && text.ends_with('/')
        ? std::string_view(text).substr(0, text.size() - 1)
        : std::string_view(text);
    std::uint64_t hash = 14695981039346656037ULL; // FNV-1a, 64 bits.
    for (char const c : trimmed)
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return fmt::format("{:012x}", hash >> 16);
}

std::string runtime_subdir(std::string const& name, Create create)
{
    // Callers pass fixed names and validated names; anything else is a bug.
    for (std::size_t start = 0;;) {
        auto const slash = name.find('/', start);
        auto const part = std::string_view(name).substr(start, slash - start);
        if (part.empty() || part == "." || part == "..")
            throw Error(
                Exit::Internal, fmt::format("{}: not a runtime subdirectory", printable(name)));
        if (slash == name.npos)
            break;
        start = slash + 1;
    }
    auto path = runtime_dir(create);
    for (std::size_t start = 0; create == Create::Yes;) {
        auto const slash = name.find('/', start);
        auto const part = path + '/' + name.substr(0, slash);
        make_directory(part, "IPC_DIR");
        struct stat status;
        if (::lstat(part.c_str(), &status) != 0 || !S_ISDIR(status.st_mode))
            refuse(part, "is not a directory", "remove it");
        if (slash == name.npos)
            break;
        start = slash + 1;
    }
    return path + '/' + name;
}

std::string state_dir(Create create)
{
    std::string path;
    if (auto const configured = environment("IPC_STATE_DIR"); !configured.empty())
        path = configured;
    else if (auto const xdg = environment("XDG_STATE_HOME"); !xdg.empty() && xdg.front() == '/')
        path = fmt::format("{}/ipc", xdg); // The XDG spec says to ignore relative paths.
    else
        path = home_directory() + "/.local/state/ipc";
    return private_directory(std::move(path), create, "IPC_STATE_DIR");
}

}
