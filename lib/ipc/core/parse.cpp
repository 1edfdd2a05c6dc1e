// Flag values are decoded here, by hand, so that every tool accepts exactly
// the same forms and refuses the rest in the same way (no locale, no sign, no
// spaces, no silent saturation). All arithmetic is checked before it happens.

#include "ipc/core/parse.hpp"

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

// floor(0.DIGITS * unit), in nanoseconds, without rounding errors: the first
// `exponent` digits scale exactly, the rest are multiplied by the small
// scale right to left, keeping only the carry into the integer part.
std::uint64_t fraction_nanoseconds(std::string_view digits, DurationUnit const& unit)
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
    DurationUnit const* unit = &duration_units[3]; // A bare number means seconds.
    if (!text.empty()) {
        unit = nullptr;
        for (auto const& candidate : duration_units)
            if (candidate.suffix == text)
                unit = &candidate;
        if (!unit)
            return std::nullopt;
    }
    auto const per_unit = unit->nanoseconds();
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
}
