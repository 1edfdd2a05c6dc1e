#pragma once

// The segments of a store as ls, stat and rm see them: judged by the same
// checks as their users (probe.hpp), so a segment open() would refuse lists
// with the reason why.

#include "ipc/shm/segment.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace ipc::shm {

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

}
