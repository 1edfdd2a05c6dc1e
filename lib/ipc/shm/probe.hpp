#pragma once

// What is under a segment's name, and whether it is a usable segment: the
// checks open(), existing_kind() and stat() share, so that those who use a
// segment and ls and stat judge it alike. Internal to the shm module.

#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/shm/segment.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>

namespace ipc::shm {

// problem says why it is not a usable segment; foreign that it is not ours
// alone (another owner, other names): refused even though its content might
// be fine.
struct Probe {
    Fd fd;
    struct stat st { };
    Header header {};
    std::optional<std::string> problem;
    bool foreign = false;
    int open_error = 0; // Ours, but open(2) failed with this.
};

// Opens NAME with flags and reads its header; nullopt when it does not exist.
std::optional<Probe> probe(Store const& store, std::string_view name, int flags);

// The header and each kind's own layout, checked on the segment's first
// bytes (start holds its header_size bytes or the first page, whichever is
// less); the reason when they are bad.
std::optional<std::string> check_segment(std::byte const* start, std::uint64_t file_size);

// The errors to throw: why the probed NAME cannot be used, a corrupt
// segment, and a missing one.
Error refusal(Store const& store, std::string_view name, Probe const& found);
Error corrupt(std::string_view name, std::string_view why);
Error not_found(std::string_view name);

}
