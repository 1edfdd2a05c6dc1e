// Fuzzes the flag-value parsers: none may crash, the values they accept stay
// in range, and every duration formats and parses back to exactly itself.

#include "ipc/core/parse.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <limits>

namespace {

void require(bool ok)
{
    if (!ok)
        std::abort();
}

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

    if (auto const mode = ipc::parse_mode(text)) {
        require(*mode <= 0777 && all_digits(text) && text.find_first_of("89") == text.npos);
        require(std::strtoul(std::string(text).c_str(), nullptr, 8) == *mode);
    }
    return 0;
}
