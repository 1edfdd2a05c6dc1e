// Segments are plain files under Store::dir (tmpfs at /dev/shm), so openers
// use open(2) with O_NOFOLLOW and fstat before mapping, and a reader keeps
// the file it opened even when a writer renames a new one over its name.

#include "ipc/shm/segment.hpp"

#include "ipc/io/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
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

struct Probe {
    io::Fd fd;
    struct stat st { };
    Header header {};
    std::optional<std::string> problem;
};

// Opens NAME and reads its header; nullopt when it does not exist.
std::optional<Probe> probe(Store const& store, std::string_view name, int flags)
{
    auto const path = store.path(name);
    Probe result;
    result.fd.reset(::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
    if (!result.fd) {
        if (errno == ENOENT)
            return std::nullopt;
        if (errno == ELOOP)
            throw corrupt(name, "a symbolic link");
        sys::fail("open", path, errno);
    }
    sys::check(::fstat(result.fd.get(), &result.st), "fstat", path);
    if (!S_ISREG(result.st.st_mode)) {
        result.problem = "not a regular file";
        return result;
    }
    auto const size = static_cast<std::uint64_t>(result.st.st_size);
    if (size < sizeof(Header)) {
        result.problem = fmt::format("truncated: {} bytes, shorter than its header", size);
        return result;
    }
    auto const got
        = sys::check(::pread(result.fd.get(), &result.header, sizeof(Header), 0), "read", path);
    if (static_cast<std::size_t>(got) != sizeof(Header))
        result.problem = "truncated header";
    else
        result.problem = check_header(result.header, size);
    return result;
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

Segment open(Store const& store, std::string_view name, Kind expected, Access access,
    std::size_t min_header_size)
{
    bool const writable = access == Access::ReadWrite;
    auto found = probe(store, name, writable ? O_RDWR : O_RDONLY);
    if (!found)
        throw not_found(name);
    if (found->problem)
        throw corrupt(name, *found->problem);
    auto const kind = static_cast<Kind>(found->header.kind);
    if (kind != expected)
        throw Error(Exit::Usage,
            fmt::format(
                "{}: is {}, not {}", shown(name), with_article(kind), with_article(expected)),
            fmt::format("use another name, or remove it with 'ipc-shm rm {}'", shown(name)));
    if (found->header.header_size < min_header_size)
        throw corrupt(name, "header too small for its kind");
    Segment segment;
    segment.path = store.path(name);
    auto const size = static_cast<std::size_t>(found->st.st_size);
    segment.map = Mapping(found->fd.get(), size, writable);
    segment.fd = std::move(found->fd);
    // The file may have shrunk between fstat and mmap; check the mapped header
    // again so that a truncation after validation cannot pass unseen.
    if (auto problem = check_header(segment.map.header(), size))
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
        throw corrupt(name, *found->problem);
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
    if (::link(m_temp.c_str(), m_final.c_str()) != 0) {
        if (errno == EEXIST)
            return false;
        sys::fail("link", m_final, errno);
    }
    ::unlink(m_temp.c_str());
    m_committed = true;
    return true;
}

}
