#pragma once

// Pure decoders for flag values (durations, counts, sizes, ids, modes). They
// take untrusted text and return nullopt instead of throwing; callers word
// the error.

#include "ipc/core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace ipc {

// "250ms", "2s", "1m", "1h", "1.5s", "10us", "0"; a bare number means seconds.
// Refuses negatives, overflow (more than about 292 years) and trailing junk;
// digits finer than a nanosecond are dropped.
std::optional<Duration> parse_duration(std::string_view text);

// A count of 1 or more, in decimal, at most 2^63-1.
std::optional<std::uint64_t> parse_count(std::string_view text);

// A count of 0 or more, in decimal, at most 2^63-1.
std::optional<std::uint64_t> parse_number(std::string_view text);

// A size in bytes: "4096", "64K", "64KiB", "1M", "2MiB", "1G" (binary units;
// "64k" is accepted too, "64KB" is refused as ambiguous). At most 2^64-1.
std::optional<std::uint64_t> parse_size(std::string_view text);

// A file mode for new files: "0640" or "640", octal, at most 0777.
std::optional<mode_t> parse_mode(std::string_view text);

// "1.5s" style rendering of a duration for messages.
std::string format_duration(Duration duration);

}
