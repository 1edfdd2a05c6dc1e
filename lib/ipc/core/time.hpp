#pragma once

// Time: durations, deadlines and the milliseconds a wait has left, the wall
// clock in nanoseconds, and RFC 3339 date-times for --json envelopes (pure).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc {

using Duration = std::chrono::nanoseconds;

// When a wait must end, on the monotonic clock.
using Deadline = std::chrono::steady_clock::time_point;

// Unix time now (CLOCK_REALTIME), in nanoseconds: what messages are stamped with.
std::int64_t now_ns();

// The timeout for poll/epoll_wait until deadline: rounded up, so that a wait
// never ends just before its deadline and spins; 0 once it has passed; at
// most a day (callers wait again); -1 for no deadline.
int ms_until(Deadline deadline);
int ms_until(std::optional<Deadline> deadline);

// Appends time_ns (Unix nanoseconds) as "2026-11-27T04:42:38.123456Z": UTC,
// to the microsecond, rounded down.
void append_rfc3339(std::string& out, std::int64_t time_ns);

// An RFC 3339 date-time, in any offset, with any fraction (digits past the
// nanosecond are dropped), as Unix nanoseconds; nullopt when malformed or
// outside what int64 nanoseconds can hold (years 1678 to 2261).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}
