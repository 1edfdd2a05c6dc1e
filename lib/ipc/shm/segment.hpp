#pragma once

// Named POSIX shared-memory segments (DESIGN section 2: ipc-<uid>-NAME under
// /dev/shm), each opening with a Header that is validated before any use, so a
// truncated or foreign file gives an Error, never a crash. New segments are
// built as a Draft (draft.hpp); ls, stat and rm are in catalogue.hpp.

#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/shm/mapping.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace ipc::shm {

enum class Kind : std::uint32_t { Object = 1, Ring = 2, Board = 3 };
std::string_view kind_name(Kind kind);
std::string with_article(Kind kind); // "an object", "a board"

inline constexpr std::uint32_t format_version = 1;
inline constexpr char header_magic[8] = { 'i', 'p', 'c', '-', 's', 'h', 'm', '\0' };

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
// Each runtime directory has its own: with IPC_DIR set, names carry its
// runtime_scope() ("ipc-1000:5d0c9a3e41b7-NAME"), so two environments never
// see each other's segments.
struct Store {
    std::string dir = "/dev/shm";
    uid_t uid = ::getuid();
    std::string scope = runtime_scope();

    std::string file_name(std::string_view name) const; // "ipc-1000-NAME"
    std::string path(std::string_view name) const; // "/dev/shm/ipc-1000-NAME"
};

// The login name of uid, or the number when it has none.
std::string user_name(uid_t uid);

// An open, validated segment of one kind.
struct Segment {
    Fd fd;
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

// Removes the name of segment (opened with Access::ReadWrite, so holding a
// shared lock on it) when no other process has it open to write and
// untouched() says it is as it was made: for a reader that made NAME
// and gives up, so that a mistyped name leaves nothing behind. An opener
// waiting for the lock meanwhile finds the name gone and makes a new
// segment. Ends this process's use of the segment: call it last.
void remove_if_alone(Segment& segment, std::function<bool()> const& untouched);

// The kind of the segment NAME, nullopt when absent; throws Error(IoError)
// when it exists but does not validate.
std::optional<Kind> existing_kind(Store const& store, std::string_view name);

// A Header for a new segment.
Header make_header(Kind kind, std::uint64_t header_size, std::uint64_t data_size);

}
