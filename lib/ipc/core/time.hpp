#pragma once

// Time: durations (their units, and how messages and listings show them),
// deadlines and the milliseconds a wait has left, the wall clock in
// nanoseconds, and RFC 3339 date-times for --json envelopes (pure).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc {

using Duration = std::chrono::nanoseconds;

// The units of a duration as flags and messages write it. A unit is
// scale * 10^exponent nanoseconds; the split lets a fraction be converted
// exactly with small integers.
struct DurationUnit {
    std::string_view suffix;
    std::uint64_t scale;
    std::size_t exponent;

    constexpr std::uint64_t nanoseconds() const
    {
        std::uint64_t value = scale;
        for (std::size_t i = 0; i < exponent; ++i)
            value *= 10;
        return value;
    }
};

inline constexpr DurationUnit duration_units[] = {
    { "ns", 1, 0 },
    { "us", 1, 3 },
    { "ms", 1, 6 },
    { "s", 1, 9 },
    { "m", 6, 10 },
    { "h", 36, 11 },
};

// A duration for messages, exactly, in the largest unit that keeps it short:
// "1.5s", "250ms", "2m", "1h", "90s"; parse_duration reads it back.
std::string format_duration(Duration duration);

// A measured time for a log line, short, in format_duration's units: "1.3ms"
// for 1.2871ms, "250us", "12.35s". Rounded to the microsecond below a
// millisecond, to 0.1 ms below a second, to 10 ms from there on.
std::string format_elapsed(Duration elapsed);

// An age for a listing, whole and at a glance, as ls and ps show time:
// seconds under two minutes ("42s"), minutes under two hours ("7m"), hours
// under two days ("3h"), then days ("12d"); rounded down. A negative age
// (a clock set back) is "0s". JSON output gives exact numbers instead.
std::string format_age(Duration age);

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
