// Flag values are decoded here, by hand, so that every tool accepts exactly
// the same forms and refuses the rest in the same way (no locale, no sign, no
// spaces, no silent saturation). All arithmetic is checked before it happens.

#include "ipc/core/parse.hpp"

#include <fmt/format.h>
#include <limits>

namespace ipc {

namespace {

constexpr std::uint64_t max_signed = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// The leading run of digits, removed from text; empty when text starts otherwise.
std::string_view take_digits(std::string_view& text)
{
    std::size_t length = 0;
    while (length < text.size() && is_digit(text[length]))
        ++length;
    auto const digits = text.substr(0, length);
    text.remove_prefix(length);
    return digits;
}

// The value of a non-empty run of digits, or nullopt above limit.
std::optional<std::uint64_t> decimal(std::string_view digits, std::uint64_t limit)
{
    std::uint64_t value = 0;
    for (char c : digits) {
        auto const digit = static_cast<std::uint64_t>(c - '0');
        if (digit > limit || value > (limit - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<std::uint64_t> whole_number(std::string_view text, std::uint64_t limit)
{
    auto const digits = take_digits(text);
    if (digits.empty() || !text.empty())
        return std::nullopt;
    return decimal(digits, limit);
}

// A duration unit is scale * 10^exponent nanoseconds; the split lets a
// fraction be converted exactly with small integers.
struct Unit {
    std::string_view suffix;
    std::uint64_t scale;
    std::size_t exponent;
};

constexpr Unit units[] = {
    { "ns", 1, 0 },
    { "us", 1, 3 },
    { "ms", 1, 6 },
    { "s", 1, 9 },
    { "m", 6, 10 },
    { "h", 36, 11 },
};

std::uint64_t nanoseconds(Unit const& unit)
{
    std::uint64_t value = unit.scale;
    for (std::size_t i = 0; i < unit.exponent; ++i)
        value *= 10;
    return value;
}

// floor(0.DIGITS * unit), in nanoseconds, without rounding errors: the first
// `exponent` digits scale exactly, the rest are multiplied by the small
// scale right to left, keeping only the carry into the integer part.
std::uint64_t fraction_nanoseconds(std::string_view digits, Unit const& unit)
{
    std::uint64_t leading = 0;
    for (std::size_t i = 0; i < unit.exponent; ++i)
        leading
            = leading * 10 + (i < digits.size() ? static_cast<std::uint64_t>(digits[i] - '0') : 0);
    std::uint64_t carry = 0;
    for (std::size_t i = digits.size(); i > unit.exponent; --i)
        carry = (static_cast<std::uint64_t>(digits[i - 1] - '0') * unit.scale + carry) / 10;
    return leading * unit.scale + carry;
}

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

std::optional<Duration> parse_duration(std::string_view text)
{
    auto const whole_digits = take_digits(text);
    if (whole_digits.empty())
        return std::nullopt;
    std::string_view fraction_digits;
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
        fraction_digits = take_digits(text);
        if (fraction_digits.empty())
            return std::nullopt;
    }
    Unit const* unit = &units[3]; // A bare number means seconds.
    if (!text.empty()) {
        unit = nullptr;
        for (auto const& candidate : units)
            if (candidate.suffix == text)
                unit = &candidate;
        if (!unit)
            return std::nullopt;
    }
    auto const per_unit = nanoseconds(*unit);
    auto const whole = decimal(whole_digits, max_signed / per_unit);
    if (!whole)
        return std::nullopt;
    auto const fraction = fraction_nanoseconds(fraction_digits, *unit);
    if (fraction > max_signed - *whole * per_unit)
        return std::nullopt;
    return Duration(static_cast<std::int64_t>(*whole * per_unit + fraction));
}

std::optional<std::uint64_t> parse_count(std::string_view text)
{
    auto const value = whole_number(text, max_signed);
    if (!value || *value == 0)
        return std::nullopt;
    return value;
}

std::optional<std::uint64_t> parse_number(std::string_view text)
{
    return whole_number(text, max_signed);
}

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    auto const digits = take_digits(text);
    if (digits.empty())
        return std::nullopt;
    int shift = 0;
    if (!text.empty()) {
        switch (text.front()) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            return std::nullopt;
        }
        text.remove_prefix(1);
        if (!text.empty() && text != "iB")
            return std::nullopt;
    }
    auto const value = decimal(digits, std::numeric_limits<std::uint64_t>::max() >> shift);
    if (!value)
        return std::nullopt;
    return *value << shift;
}

std::optional<std::uint64_t> parse_size_in(
    std::string_view text, std::uint64_t min, std::uint64_t max)
{
    auto const size = parse_size(text);
    if (!size || *size < min || *size > max)
        return std::nullopt;
    return size;
}

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max)
{
    bool const negative = text.starts_with('-');
    auto const magnitude = whole_number(negative ? text.substr(1) : text, max_signed);
    if (!magnitude)
        return std::nullopt;
    auto const value = static_cast<std::int64_t>(*magnitude);
    auto const signed_value = negative ? -value : value;
    if (signed_value < min || signed_value > max)
        return std::nullopt;
    return signed_value;
}

std::optional<std::size_t> parse_choice(
    std::string_view text, std::span<std::string_view const> words)
{
    for (std::size_t i = 0; i < words.size(); ++i)
        if (words[i] == text)
            return i;
    return std::nullopt;
}

std::optional<mode_t> parse_mode(std::string_view text)
{
    if (text.empty() || text.size() > 4)
        return std::nullopt;
    mode_t mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7')
            return std::nullopt;
        mode = static_cast<mode_t>(mode * 8 + static_cast<mode_t>(c - '0'));
    }
    if (mode > 0777)
        return std::nullopt;
    return mode;
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
    auto const hour = nanoseconds(units[5]);
    auto const minute = nanoseconds(units[4]);
    if (magnitude % hour == 0)
        return fmt::format("{}{}h", sign, magnitude / hour);
    if (magnitude % minute == 0)
        return fmt::format("{}{}m", sign, magnitude / minute);
    // The largest unit below a minute that keeps a whole part: "1.5s", "250ms".
    for (int i = 3; i > 0; --i) {
        auto const unit = nanoseconds(units[i]);
        if (magnitude >= unit)
            return fmt::format("{}{}{}", sign, decimal_fraction(magnitude, unit, units[i].exponent),
                units[i].suffix);
    }
    return fmt::format("{}{}ns", sign, magnitude);
}

}
