#pragma once

// Time as text: RFC 3339 date-times for --json envelopes. Pure: no clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc {

// Appends time_ns (Unix nanoseconds) as "2026-11-27T04:42:38.123456Z": UTC,
// to the microsecond, rounded down.
void append_rfc3339(std::string& out, std::int64_t time_ns);

// An RFC 3339 date-time, in any offset, with any fraction (digits past the
// nanosecond are dropped), as Unix nanoseconds; nullopt when malformed or
// outside what int64 nanoseconds can hold (years 1678 to 2261).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}
