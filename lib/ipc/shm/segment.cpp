// Segments are plain files under Store::dir (tmpfs at /dev/shm), a directory
// every user may write to, so openers use open(2) with O_NOFOLLOW and
// O_NONBLOCK and check with fstat, before mapping, that the file is ours
// alone; a reader keeps the file it opened even when a writer renames a new
// one over its name.

#include "ipc/shm/segment.hpp"

#include "ipc/io/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/board.hpp"
#include "ipc/shm/process.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>

namespace ipc::shm {

namespace {

constexpr char magic[8] = { 'i', 'p', 'c', '-', 's', 'h', 'm', '\0' };

std::string shown(std::string_view name)
{
    return printable(name);
}

Error corrupt(std::string_view name, std::string_view why)
{
    return Error(Exit::IoError,
        fmt::format("{}: not a valid ipc-shm segment: {}", shown(name), why),
        fmt::format("remove it with 'ipc-shm rm {}'", shown(name)));
}

// Reads and checks the header of an open segment; the reason when it is bad.
std::optional<std::string> check_header(Header const& header, std::uint64_t file_size)
{
    if (std::memcmp(header.magic, magic, sizeof(magic)) != 0)
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

// The header and each kind's own layout, checked on the segment's first
// bytes (start holds its header_size bytes or the first page, whichever is
// less), so that those who use a segment and ls and stat judge it alike.
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

// What is under a segment's name. problem says why it is not a usable
// segment; foreign that it is not ours alone (another owner, other names):
// refused even though its content might be fine.
struct Probe {
    io::Fd fd;
    struct stat st { };
    Header header {};
    std::optional<std::string> problem;
    bool foreign = false;
    int open_error = 0; // Ours, but open(2) failed with this.
};

// Whose the file in st is and what it is; nullopt when it is a plain file of
// ours with one name.
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
    foreign = st.st_nlink != 1;
    if (foreign)
        return fmt::format("has {} names (hard links), not 1", st.st_nlink);
    return std::nullopt;
}

// Opens NAME and reads its header; nullopt when it does not exist. The file
// is judged by fstat on what was opened, not by a name looked up twice, and
// O_NONBLOCK keeps a FIFO planted under the name from blocking the open.
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

// Why the probed NAME cannot be used, as the error to throw.
Error refusal(Store const& store, std::string_view name, Probe const& found)
{
    if (found.open_error != 0)
        return SystemError(sys::exit_for_errno(found.open_error),
            fmt::format("open {}: {}", store.path(name), *found.problem), found.open_error);
    if (!found.foreign)
        return corrupt(name, *found.problem);
    auto const hint = found.st.st_uid == ::geteuid()
        ? fmt::format("remove it with 'ipc-shm rm {}'", shown(name))
        : fmt::format("ask {} or root to remove {}, or use another name",
            user_name(found.st.st_uid), store.path(name));
    return Error(Exit::IoError,
        fmt::format("{}: {}: refusing to use it", shown(name), *found.problem), hint);
}

Error not_found(std::string_view name)
{
    return Error(Exit::Unavailable, fmt::format("{}: no such shared-memory segment", shown(name)),
        "see 'ipc-shm ls'");
}

}

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
    return fmt::format("ipc-{}-{}", uid, name);
}

std::string Store::path(std::string_view name) const
{
    return fmt::format("{}/{}", dir, file_name(name));
}

Mapping::Mapping(int fd, std::size_t size, bool writable)
    : m_size(size)
{
    int const protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* address = ::mmap(nullptr, size, protection, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED)
        sys::fail("mmap", {}, errno);
    m_data = static_cast<std::byte*>(address);
}

Mapping::Mapping(Mapping&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

Mapping& Mapping::operator=(Mapping&& other) noexcept
{
    if (this != &other) {
        if (m_data)
            ::munmap(m_data, m_size);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

Mapping::~Mapping()
{
    if (m_data)
        ::munmap(m_data, m_size);
}

Segment open(Store const& store, std::string_view name, Kind expected, Access access)
{
    bool const writable = access == Access::ReadWrite;
    auto found = probe(store, name, writable ? O_RDWR : O_RDONLY);
    if (!found)
        throw not_found(name);
    if (found->problem)
        throw refusal(store, name, *found);
    auto const kind = static_cast<Kind>(found->header.kind);
    if (kind != expected)
        throw Error(Exit::Usage,
            fmt::format(
                "{}: is {}, not {}", shown(name), with_article(kind), with_article(expected)),
            fmt::format("use another name, or remove it with 'ipc-shm rm {}'", shown(name)));
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

Info stat(Store const& store, std::string_view name)
{
    auto found = probe(store, name, O_RDONLY);
    if (!found)
        throw not_found(name);
    Info info;
    info.name = std::string(name);
    info.owner = found->st.st_uid;
    info.mode = found->st.st_mode & 07777;
    info.mtime_ns
        = std::int64_t { found->st.st_mtim.tv_sec } * 1'000'000'000 + found->st.st_mtim.tv_nsec;
    info.size = static_cast<std::uint64_t>(found->st.st_size);
    if (found->problem) {
        info.problem = *found->problem;
    } else {
        info.kind = static_cast<Kind>(found->header.kind);
        info.size = found->header.data_size;
    }
    return info;
}

std::vector<Info> list(Store const& store)
{
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(store.dir.c_str()), ::closedir);
    if (!dir)
        sys::fail("opendir", store.dir, errno);
    auto const prefix = store.file_name("");
    std::vector<std::string> names;
    while (auto const* entry = ::readdir(dir.get())) {
        std::string_view file = entry->d_name;
        if (file.starts_with(prefix) && is_valid_name(file.substr(prefix.size())))
            names.emplace_back(file.substr(prefix.size()));
    }
    std::sort(names.begin(), names.end());
    std::vector<Info> result;
    for (auto const& name : names) {
        try {
            result.push_back(stat(store, name));
        } catch (Error const& error) {
            // Removed between readdir and open: it is simply no longer there.
            if (error.exit() != Exit::Unavailable)
                throw;
        }
    }
    return result;
}

void remove(Store const& store, std::string_view name)
{
    auto const path = store.path(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            throw not_found(name);
        sys::fail("unlink", path, errno);
    }
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

std::optional<mode_t> parse_mode(std::string_view text)
{
    if (text.empty() || text.size() > 4)
        return std::nullopt;
    mode_t mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7')
            return std::nullopt;
        mode = static_cast<mode_t>(mode * 8 + static_cast<mode_t>(c - '0'));
    }
    if (mode > 0777)
        return std::nullopt;
    return mode;
}

Header make_header(Kind kind, std::uint64_t header_size, std::uint64_t data_size)
{
    Header header {};
    std::memcpy(header.magic, magic, sizeof(magic));
    header.version = format_version;
    header.kind = static_cast<std::uint32_t>(kind);
    header.header_size = header_size;
    header.data_size = data_size;
    return header;
}

namespace {

// Removes the drafts of NAME (NAME~PID.RANDOM) left by processes that died,
// such as a put killed with SIGKILL; those of live processes stay.
void remove_stale_drafts(Store const& store, std::string_view name)
{
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(store.dir.c_str()), ::closedir);
    if (!dir)
        return; // Creating the draft will say what is wrong.
    auto const prefix = store.file_name(name) + "~";
    while (auto const* entry = ::readdir(dir.get())) {
        std::string_view file = entry->d_name;
        if (!file.starts_with(prefix))
            continue;
        auto const rest = file.substr(prefix.size());
        std::int32_t pid = 0;
        auto const [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
        if (error == std::errc {} && end != rest.data() && *end == '.' && !alive({ pid, 0 }))
            ::unlinkat(::dirfd(dir.get()), entry->d_name, 0);
    }
}

}

Draft::Draft(Store const& store, std::string_view name, mode_t mode)
    : m_final(store.path(name))
{
    remove_stale_drafts(store, name);
    std::random_device random;
    for (int attempt = 0; !m_fd; ++attempt) {
        m_temp = fmt::format("{}~{}.{:08x}", m_final, ::getpid(), random());
        m_fd.reset(
            ::open(m_temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!m_fd && (errno != EEXIST || attempt == 8))
            sys::fail("create", m_temp, errno);
    }
    // The umask must not narrow what --mode asked for.
    sys::check(::fchmod(m_fd.get(), mode), "chmod", m_temp);
}

Draft::~Draft()
{
    if (!m_committed)
        ::unlink(m_temp.c_str());
}

void Draft::commit_replace()
{
    sys::check(::rename(m_temp.c_str(), m_final.c_str()), "rename", m_final);
    m_committed = true;
}

bool Draft::commit_create()
{
    // Not link(2) and unlink(2): between the two the file has two names, and
    // an opener would refuse it for that.
    if (::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_final.c_str(), RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST)
            return false;
        sys::fail("rename", m_final, errno);
    }
    m_committed = true;
    return true;
}

}
