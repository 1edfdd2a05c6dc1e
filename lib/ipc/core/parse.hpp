#pragma once

// Pure decoders for flag values (durations, counts, sizes, ids, modes). They
// take untrusted text and return nullopt instead of throwing; callers word
// the error.

#include "ipc/core/time.hpp"

#include <cstdint>
#include <optional>
#include <span>
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

// A size from min to max bytes, in the forms of parse_size.
std::optional<std::uint64_t> parse_size_in(
    std::string_view text, std::uint64_t min, std::uint64_t max);

// A whole number from min to max, in decimal with an optional '-': "-5", "0",
// "12" ("+5", "5.0" and " 5" are refused). At most 2^63-1 either way.
std::optional<std::int64_t> parse_integer(
    std::string_view text, std::int64_t min, std::int64_t max);

// The index of text among words, matched exactly: "full" among
// {"normal", "full"} is 1; "Full" and "" are nothing.
std::optional<std::size_t> parse_choice(
    std::string_view text, std::span<std::string_view const> words);

// A file mode for new files: "0640" or "640", octal, at most 0777.
std::optional<mode_t> parse_mode(std::string_view text);
}
