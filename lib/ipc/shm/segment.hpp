#pragma once

// Named POSIX shared-memory segments (DESIGN section 2: ipc-<uid>-NAME under
// /dev/shm), each opening with a Header that is validated before any use, so a
// truncated or foreign file gives an Error, never a crash. New segments are
// built under a temporary name and then moved into place whole.

#include "ipc/core/error.hpp"
#include "ipc/io/fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace ipc::shm {

enum class Kind : std::uint32_t { Object = 1, Ring = 2, Board = 3 };
std::string_view kind_name(Kind kind);
std::string with_article(Kind kind); // "an object", "a board"

inline constexpr std::uint32_t format_version = 1;

// At offset 0 of every segment; the payload starts at header_size.
struct Header {
    char magic[8]; // "ipc-shm" and a NUL.
    std::uint32_t version;
    std::uint32_t kind;
    std::uint64_t header_size; // Offset of the payload (Header and kind state).
    std::uint64_t data_size; // Object: its length. Board: its capacity.
    std::uint64_t reserved[4];
};
static_assert(sizeof(Header) == 64);

// Where segments live: /dev/shm for the tools, a temporary directory in tests.
struct Store {
    std::string dir = "/dev/shm";
    uid_t uid = ::getuid();

    std::string file_name(std::string_view name) const; // "ipc-1000-NAME"
    std::string path(std::string_view name) const; // "/dev/shm/ipc-1000-NAME"
};

// A shared mapping, unmapped by its destructor.
class Mapping {
public:
    Mapping() = default;
    Mapping(int fd, std::size_t size, bool writable); // Throws SystemError.
    Mapping(Mapping&& other) noexcept;
    Mapping& operator=(Mapping&& other) noexcept;
    Mapping(Mapping const&) = delete;
    Mapping& operator=(Mapping const&) = delete;
    ~Mapping();

    std::byte* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    Header const& header() const { return *reinterpret_cast<Header const*>(m_data); }

private:
    std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

// An open, validated segment of one kind.
struct Segment {
    io::Fd fd;
    Mapping map;
    std::string path;

    std::byte* payload() const { return map.data() + map.header().header_size; }
};

enum class Access { ReadOnly, ReadWrite };

// Opens NAME and checks it is a whole segment of kind `expected` with a
// layout fit for its kind, in a regular file that is ours alone: owned by
// our effective uid and with no other name (hard link). Throws Error:
// Unavailable when it does not exist, Usage when it is another kind, IoError
// when it is corrupt, not a regular file, another user's or has other names.
Segment open(Store const& store, std::string_view name, Kind expected, Access access);

// What ls and stat show. kind is empty and problem says why for a segment that
// open() would refuse (the same checks).
struct Info {
    std::string name;
    std::optional<Kind> kind;
    std::uint64_t size = 0; // Object: data bytes; ring, board: capacity; invalid: file bytes.
    uid_t owner = 0;
    mode_t mode = 0;
    std::int64_t mtime_ns = 0;
    std::string problem;
};

// Throws Error(Unavailable) when NAME does not exist.
Info stat(Store const& store, std::string_view name);

// Every segment of our uid, sorted by name; temporary files are skipped.
std::vector<Info> list(Store const& store);

// Throws Error(Unavailable) when NAME does not exist.
void remove(Store const& store, std::string_view name);

// The kind of the segment NAME, nullopt when absent; throws Error(IoError)
// when it exists but does not validate.
std::optional<Kind> existing_kind(Store const& store, std::string_view name);

// The login name of uid, or the number when it has none.
std::string user_name(uid_t uid);

// "0640" or "640" (at most 0777); nullopt otherwise.
std::optional<mode_t> parse_mode(std::string_view text);

// A segment being built under a temporary name (ipc-<uid>-NAME~PID.RANDOM,
// which is never a valid name) and then moved into place whole. The
// destructor removes the file unless it was committed; the next draft of
// NAME removes those left by processes that died (a put killed with SIGKILL).
class Draft {
public:
    Draft(Store const& store, std::string_view name, mode_t mode);
    Draft(Draft const&) = delete;
    Draft& operator=(Draft const&) = delete;
    ~Draft();

    int fd() const { return m_fd.get(); }
    std::string const& temp_path() const { return m_temp; }

    // Replaces NAME atomically (rename(2)): openers see the old or the new one.
    void commit_replace();
    // Renames the draft to NAME only if NAME does not exist; false if it does.
    bool commit_create();

private:
    std::string m_temp;
    std::string m_final;
    io::Fd m_fd;
    bool m_committed = false;
};

// A Header for a new segment.
Header make_header(Kind kind, std::uint64_t header_size, std::uint64_t data_size);

}
