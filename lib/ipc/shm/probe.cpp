// Validation of segments (probe.hpp). Segments are plain files under
// Store::dir (tmpfs at /dev/shm), a directory every user may write to, so
// they are opened with O_NOFOLLOW and O_NONBLOCK and judged with fstat(2) on
// what was opened, before anything is mapped.

#include "ipc/shm/probe.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/board.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ipc::shm {

namespace {

std::optional<std::string> check_header(Header const& header, std::uint64_t file_size)
{
    if (std::memcmp(header.magic, header_magic, sizeof(header_magic)) != 0)
        return "bad magic: not made by ipc-shm";
    if (header.version != format_version)
        return fmt::format("format version {}, expected {}", header.version, format_version);
    if (header.kind < 1 || header.kind > 3)
        return fmt::format("unknown kind {}", header.kind);
    if (header.header_size < sizeof(Header) || header.header_size > file_size)
        return "bad header size";
    if (header.data_size > file_size - header.header_size)
        return fmt::format(
            "truncated: {} bytes of {} present", file_size - header.header_size, header.data_size);
    return std::nullopt;
}

// Whose the file in st is and what it is; nullopt when it is a plain file of
// ours with at most one name. No name is fine: a put or rm replaced or
// removed it after we opened it, and what we hold is still whole and ours.
std::optional<std::string> check_file(struct stat const& st, bool& foreign)
{
    foreign = true;
    if (st.st_uid != ::geteuid())
        return fmt::format("is owned by {} (uid {}), not by you", user_name(st.st_uid), st.st_uid);
    foreign = false;
    if (S_ISLNK(st.st_mode))
        return "a symbolic link";
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    foreign = st.st_nlink > 1;
    if (foreign)
        return fmt::format("has {} names (hard links), not 1", st.st_nlink);
    return std::nullopt;
}

}

std::optional<std::string> check_segment(std::byte const* start, std::uint64_t file_size)
{
    auto const& header = *reinterpret_cast<Header const*>(start);
    if (auto problem = check_header(header, file_size))
        return problem;
    switch (static_cast<Kind>(header.kind)) {
    case Kind::Object:
        return std::nullopt;
    case Kind::Ring:
        return ring_layout_problem(
            header, *reinterpret_cast<RingState const*>(start + ring_state_offset));
    case Kind::Board:
        return board_layout_problem(header);
    }
    return std::nullopt;
}

// The file is judged by fstat on what was opened, not by a name looked up
// twice, and O_NONBLOCK keeps a FIFO planted under the name from blocking.
std::optional<Probe> probe(Store const& store, std::string_view name, int flags)
{
    auto const path = store.path(name);
    Probe result;
    result.fd.reset(::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!result.fd) {
        // A symbolic link, a socket or a file we may not open: described
        // from lstat, so ls shows it and errors say whose it is.
        result.open_error = errno;
        if (result.open_error == ENOENT)
            return std::nullopt;
        if (::lstat(path.c_str(), &result.st) != 0) {
            if (errno == ENOENT)
                return std::nullopt;
            sys::fail("open", path, result.open_error);
        }
        result.problem = check_file(result.st, result.foreign);
        if (!result.problem)
            result.problem = std::strerror(result.open_error);
        else
            result.open_error = 0;
        return result;
    }
    sys::check(::fstat(result.fd.get(), &result.st), "fstat", path);
    if ((result.problem = check_file(result.st, result.foreign)))
        return result;
    auto const size = static_cast<std::uint64_t>(result.st.st_size);
    if (size < sizeof(Header)) {
        result.problem = fmt::format("truncated: {} bytes, shorter than its header", size);
        return result;
    }
    alignas(RingState) std::byte start[ring_slots_offset];
    auto const wanted = std::min<std::uint64_t>(size, sizeof(start));
    auto const got = sys::check(::pread(result.fd.get(), start, wanted, 0), "read", path);
    std::memcpy(&result.header, start, sizeof(Header));
    if (static_cast<std::uint64_t>(got) != wanted)
        result.problem = "truncated header";
    else
        result.problem = check_segment(start, size);
    return result;
}

Error refusal(Store const& store, std::string_view name, Probe const& found)
{
    if (found.open_error != 0)
        return SystemError(sys::exit_for_errno(found.open_error),
            fmt::format("open {}: {}", store.path(name), *found.problem), found.open_error);
    if (!found.foreign)
        return corrupt(name, *found.problem);
    auto const hint = found.st.st_uid == ::geteuid()
        ? fmt::format("remove it with 'ipc-shm rm {}'", printable(name))
        : fmt::format("ask {} or root to remove {}, or use another name",
            user_name(found.st.st_uid), store.path(name));
    return Error(Exit::IoError,
        fmt::format("{}: {}: refusing to use it", printable(name), *found.problem), hint);
}

Error corrupt(std::string_view name, std::string_view why)
{
    return Error(Exit::IoError,
        fmt::format("{}: not a valid ipc-shm segment: {}", printable(name), why),
        fmt::format("remove it with 'ipc-shm rm {}'", printable(name)));
}

Error not_found(std::string_view name)
{
    return Error(Exit::Unavailable,
        fmt::format("{}: no such shared-memory segment", printable(name)), "see 'ipc-shm ls'");
}

}
