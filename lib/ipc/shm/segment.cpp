// Segments by name (segment.hpp): where they live, the header that opens
// each one, and open(), which maps a segment only after probe() found it
// whole, ours alone and of the expected kind. A reader keeps the file it
// opened even when a writer renames a new one over its name. Who opens a
// segment to write holds a shared flock(2) on it while it is open, which
// remove_if_alone() asks for exclusively.

#include "ipc/shm/segment.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/probe.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace ipc::shm {

std::string_view kind_name(Kind kind)
{
    switch (kind) {
    case Kind::Object:
        return "object";
    case Kind::Ring:
        return "ring";
    case Kind::Board:
        return "board";
    }
    return "unknown";
}

std::string with_article(Kind kind)
{
    return fmt::format("{} {}", kind == Kind::Object ? "an" : "a", kind_name(kind));
}

std::string user_name(uid_t uid)
{
    if (auto const* entry = ::getpwuid(uid))
        return entry->pw_name;
    return std::to_string(uid);
}

std::string Store::file_name(std::string_view name) const
{
    if (scope.empty())
        return fmt::format("ipc-{}-{}", uid, name);
    return fmt::format("ipc-{}:{}-{}", uid, scope, name);
}

std::string Store::path(std::string_view name) const
{
    return fmt::format("{}/{}", dir, file_name(name));
}

Header make_header(Kind kind, std::uint64_t header_size, std::uint64_t data_size)
{
    Header header {};
    std::memcpy(header.magic, header_magic, sizeof(header_magic));
    header.version = format_version;
    header.kind = static_cast<std::uint32_t>(kind);
    header.header_size = header_size;
    header.data_size = data_size;
    return header;
}

namespace {

// Whether path still names the file fd has open.
bool names(std::string const& path, int fd)
{
    struct stat named { };
    struct stat opened { };
    return ::stat(path.c_str(), &named) == 0 && ::fstat(fd, &opened) == 0
        && named.st_dev == opened.st_dev && named.st_ino == opened.st_ino;
}

// Opens NAME as probe() does; to write, with a shared lock taken once no
// remove_if_alone() holds it, and only while NAME still names the file (a
// removal that won leaves a file nobody may use: look again).
std::optional<Probe> probe_locked(Store const& store, std::string_view name, bool writable)
{
    for (;;) {
        auto found = probe(store, name, writable ? O_RDWR : O_RDONLY);
        if (!found || !writable || found->problem)
            return found;
        sys::check(::flock(found->fd.get(), LOCK_SH), "lock", store.path(name));
        if (names(store.path(name), found->fd.get()))
            return found;
    }
}

}

Segment open(Store const& store, std::string_view name, Kind expected, Access access)
{
    bool const writable = access == Access::ReadWrite;
    auto found = probe_locked(store, name, writable);
    if (!found)
        throw not_found(name);
    if (found->problem)
        throw refusal(store, name, *found);
    auto const kind = static_cast<Kind>(found->header.kind);
    if (kind != expected)
        throw Error(Exit::Usage,
            fmt::format(
                "{}: is {}, not {}", printable(name), with_article(kind), with_article(expected)),
            fmt::format("use another name, or remove it with 'ipc-shm rm {}'", printable(name)));
    Segment segment;
    segment.path = store.path(name);
    auto const size = static_cast<std::size_t>(found->st.st_size);
    segment.map = Mapping(found->fd.get(), size, writable);
    segment.fd = std::move(found->fd);
    // The file may have changed between the checks and mmap; check the
    // mapping again so that a truncation after validation cannot pass unseen.
    if (auto problem = check_segment(segment.map.data(), size))
        throw corrupt(name, *problem);
    return segment;
}

void remove_if_alone(Segment& segment, std::function<bool()> const& untouched)
{
    // Converting our shared lock may drop it and fail: then we are done with it anyway.
    if (::flock(segment.fd.get(), LOCK_EX | LOCK_NB) != 0)
        return;
    if (names(segment.path, segment.fd.get()) && untouched())
        ::unlink(segment.path.c_str());
}

std::optional<Kind> existing_kind(Store const& store, std::string_view name)
{
    auto found = probe(store, name, O_RDONLY);
    if (!found)
        return std::nullopt;
    if (found->problem)
        throw refusal(store, name, *found);
    return static_cast<Kind>(found->header.kind);
}

}
