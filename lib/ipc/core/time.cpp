// Durations and ages as text, deadlines, the wall clock, and RFC 3339
// date-times to and from Unix nanoseconds (time.hpp). The calendar
// arithmetic is std::chrono's (C++20 civil dates); the parser reads
// fixed-width fields against a small pattern instead of sscanf, which would
// accept signs, spaces and short fields.

#include "ipc/core/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>
#include <span>
#include <time.h>

namespace ipc {

std::int64_t now_ns()
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return std::int64_t { now.tv_sec } * 1'000'000'000 + now.tv_nsec;
}

int ms_until(Deadline deadline)
{
    auto const left = deadline - std::chrono::steady_clock::now();
    if (left <= Deadline::duration::zero())
        return 0;
    auto const ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<long long>(ms, 24 * 3600 * 1000));
}

int ms_until(std::optional<Deadline> deadline)
{
    return deadline ? ms_until(*deadline) : -1;
}

namespace {

// Renders value / unit with the fraction's trailing zeros removed: "1.5", "250".
std::string decimal_fraction(std::uint64_t value, std::uint64_t unit, std::size_t width)
{
    auto const whole = value / unit;
    auto fraction = value % unit;
    if (fraction == 0)
        return fmt::format("{}", whole);
    while (fraction % 10 == 0) {
        fraction /= 10;
        --width;
    }
    return fmt::format("{}.{:0{}}", whole, fraction, width);
}

}

std::string format_duration(Duration duration)
{
    auto const count = duration.count();
    // The magnitude as unsigned, so that the most negative value has one too.
    auto const magnitude
        = count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
    auto const sign = count < 0 ? "-" : "";
    if (magnitude == 0)
        return "0s";
    auto const hour = duration_units[5].nanoseconds();
    auto const minute = duration_units[4].nanoseconds();
    if (magnitude % hour == 0)
        return fmt::format("{}{}h", sign, magnitude / hour);
    if (magnitude % minute == 0)
        return fmt::format("{}{}m", sign, magnitude / minute);
    // The largest unit below a minute that keeps a whole part: "1.5s", "250ms".
    for (int i = 3; i > 0; --i) {
        auto const& unit = duration_units[i];
        if (magnitude >= unit.nanoseconds())
            return fmt::format("{}{}{}", sign,
                decimal_fraction(magnitude, unit.nanoseconds(), unit.exponent), unit.suffix);
    }
    return fmt::format("{}{}ns", sign, magnitude);
}

std::string format_elapsed(Duration elapsed)
{
    using std::chrono::microseconds;
    auto const step = elapsed >= std::chrono::seconds(1) ? microseconds(10'000)
        : elapsed >= std::chrono::milliseconds(1)        ? microseconds(100)
                                                         : microseconds(1);
    auto const rounded = (elapsed + step / 2) / step * step;
    return format_duration(rounded > Duration::zero() ? rounded : Duration::zero());
}

std::string format_age(Duration age)
{
    auto const seconds
        = std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(age).count());
    if (seconds < 2 * 60)
        return fmt::format("{}s", seconds);
    if (seconds < 2 * 3600)
        return fmt::format("{}m", seconds / 60);
    if (seconds < 2 * 86400)
        return fmt::format("{}h", seconds / 3600);
    return fmt::format("{}d", seconds / 86400);
}

namespace {

// Reads text at `at` against a pattern in which 'd' is a digit, 'T' is any of
// "Tt " (RFC 3339 allows those) and anything else is itself. Each run of
// digits is one field, in order.
bool read_pattern(
    std::string_view text, std::size_t& at, std::string_view pattern, std::span<int> fields)
{
    if (text.size() - at < pattern.size())
        return false;
    std::size_t field = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i, ++at) {
        char const c = text[at];
        if (pattern[i] == 'd') {
            if (c < '0' || c > '9')
                return false;
            fields[field] = fields[field] * 10 + (c - '0');
        } else if (c == pattern[i] || (pattern[i] == 'T' && (c == 't' || c == ' '))) {
            ++field; // Each separator ends a field in our patterns.
        } else {
            return false;
        }
    }
    return true;
}

// Nanoseconds from an optional fraction ".123"; nullopt when malformed.
std::optional<std::int64_t> read_fraction(std::string_view text, std::size_t& at)
{
    if (at == text.size() || text[at] != '.')
        return 0;
    std::int64_t nanoseconds = 0;
    std::size_t digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits)
        if (digits < 9)
            nanoseconds = nanoseconds * 10 + (text[at] - '0');
    for (std::size_t i = digits; i < 9; ++i)
        nanoseconds *= 10;
    return digits > 0 ? std::optional(nanoseconds) : std::nullopt;
}

// "Z" or "+HH:MM"/"-HH:MM", as seconds east of UTC; nullopt when malformed.
std::optional<std::int64_t> read_offset(std::string_view text, std::size_t& at)
{
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
        return 0;
    }
    if (at == text.size() || (text[at] != '+' && text[at] != '-'))
        return std::nullopt;
    int const sign = text[at++] == '-' ? -1 : 1;
    std::array<int, 2> fields {};
    if (!read_pattern(text, at, "dd:dd", fields) || fields[0] > 23 || fields[1] > 59)
        return std::nullopt;
    return sign * (fields[0] * 3600 + fields[1] * 60);
}

}

void append_rfc3339(std::string& out, std::int64_t time_ns)
{
    using namespace std::chrono;
    sys_time<nanoseconds> const time { nanoseconds { time_ns } };
    auto const day = floor<days>(time);
    year_month_day const date { day };
    hh_mm_ss const clock { floor<microseconds>(time - day) };
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
        static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(),
        clock.seconds().count(), clock.subseconds().count());
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text)
{
    std::size_t at = 0;
    std::array<int, 6> fields {};
    if (!read_pattern(text, at, "dddd-dd-ddTdd:dd:dd", fields))
        return std::nullopt;
    auto const [year, month, day, hour, minute, second] = fields;
    auto const fraction = read_fraction(text, at);
    auto const offset = read_offset(text, at);
    std::chrono::year_month_day const date { std::chrono::year { year },
        std::chrono::month { static_cast<unsigned>(month) },
        std::chrono::day { static_cast<unsigned>(day) } };
    if (!fraction || !offset || at != text.size() || !date.ok() || year < 1678 || year > 2261
        || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::int64_t const days = std::chrono::sys_days { date }.time_since_epoch().count();
    std::int64_t const seconds = days * 86400 + hour * 3600 + minute * 60 + second - *offset;
    return seconds * 1'000'000'000 + *fraction;
}

}
