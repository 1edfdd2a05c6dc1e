// Fuzzes the flag-value parsers (durations, counts, sizes, integers, choices,
// modes): none may crash, the values they accept stay in range, and every
// duration formats and parses back to exactly itself.

#include "ipc/core/parse.hpp"
#include "ipc/core/time.hpp"
#include "require.hpp"

#include <cstring>
#include <limits>
#include <string>

using ipc::fuzz::require;

namespace {

bool all_digits(std::string_view text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == text.npos;
}

}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    constexpr auto max_signed
        = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

    if (auto const duration = ipc::parse_duration(text)) {
        require(duration->count() >= 0);
        require(ipc::parse_duration(ipc::format_duration(*duration)) == duration);
    }
    // Any non-negative duration, not only parsed ones, survives formatting.
    if (size >= 8) {
        std::uint64_t bits;
        std::memcpy(&bits, data, sizeof bits);
        ipc::Duration const duration(static_cast<std::int64_t>(bits & max_signed));
        require(ipc::parse_duration(ipc::format_duration(duration)) == duration);
    }

    auto const count = ipc::parse_count(text);
    auto const number = ipc::parse_number(text);
    require(!count || (*count >= 1 && *count <= max_signed));
    require(!number || *number <= max_signed);
    require(count == (number && *number != 0 ? number : std::nullopt));
    require(!number || all_digits(text));

    auto const bytes = ipc::parse_size(text);
    if (number)
        require(bytes == number); // Plain digits mean bytes.
    if (bytes && !all_digits(text))
        require(*bytes % 1024 == 0);

    auto const sized = ipc::parse_size_in(text, 65536, 1 << 30); // ipc-shm write --size
    require(sized == (bytes && *bytes >= 65536 && *bytes <= 1 << 30 ? bytes : std::nullopt));

    // ipc-queue push --priority: digits with an optional '-', in range, and
    // printing the value parses back to it.
    constexpr std::int64_t limit = 1'000'000'000;
    if (auto const integer = ipc::parse_integer(text, -limit, limit)) {
        require(*integer >= -limit && *integer <= limit);
        require(all_digits(text.starts_with('-') ? text.substr(1) : text));
        require(ipc::parse_integer(std::to_string(*integer), -limit, limit) == integer);
    }
    if (number && *number <= static_cast<std::uint64_t>(limit))
        require(ipc::parse_integer(text, -limit, limit) == static_cast<std::int64_t>(*number));

    std::string_view const words[] = { "normal", "full" }; // ipc-queue push --sync
    if (auto const choice = ipc::parse_choice(text, words))
        require(*choice < 2 && words[*choice] == text);
    else
        require(text != "normal" && text != "full");

    if (auto const mode = ipc::parse_mode(text)) {
        require(*mode <= 0777 && all_digits(text) && text.find_first_of("89") == text.npos);
        require(std::strtoul(std::string(text).c_str(), nullptr, 8) == *mode);
    }
    return 0;
}
