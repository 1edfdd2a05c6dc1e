#include "ipc/core/parse.hpp"

#include <catch2/catch.hpp>
#include <limits>

using namespace std::chrono_literals;

namespace {

constexpr std::int64_t max_ns = std::numeric_limits<std::int64_t>::max();

}

TEST_CASE("durations take ns, us, ms, s, m and h, and a bare number means seconds", "[core]")
{
    auto const [text, expected] = GENERATE(table<std::string, ipc::Duration>({
        { "0", 0ns },
        { "0s", 0ns },
        { "0.0", 0ns },
        { "100ns", 100ns },
        { "10us", 10us },
        { "250ms", 250ms },
        { "2s", 2s },
        { "2", 2s },
        { "1m", 1min },
        { "1h", 1h },
        { "1.5s", 1500ms },
        { "1.5", 1500ms },
        { "0.5m", 30s },
        { "0.25h", 15min },
        { "1.000000001s", 1000000001ns },
        { "007ms", 7ms },
        { "90m", 90min },
        { "2562047h", 2562047h },
    }));
    CAPTURE(text);
    REQUIRE(ipc::parse_duration(text) == expected);
}

TEST_CASE("a duration's digits finer than a nanosecond are dropped", "[core]")
{
    auto const [text, expected] = GENERATE(table<std::string, ipc::Duration>({
        { "1.9ns", 1ns },
        { "0.0000000001s", 0ns },
        { "1.0000000019s", 1000000001ns },
        { "0.0000000000001h", 0ns },
        { "0.00000000001h", 36ns },
        { "0.999999999999999999999999h", 3599999999999ns },
        { "0.33333333333333333m", 19999999999ns },
    }));
    CAPTURE(text);
    REQUIRE(ipc::parse_duration(text) == expected);
}

TEST_CASE("the longest duration is the largest int64 count of nanoseconds", "[core]")
{
    auto const text = GENERATE(as<std::string> {}, "9223372036854775807ns",
        "9223372036854775.807us", "9223372036.854775807s", "9223372036.8547758079s");
    CAPTURE(text);
    REQUIRE(ipc::parse_duration(text) == ipc::Duration(max_ns));
}

TEST_CASE("durations that are malformed, negative or too long are refused", "[core]")
{
    auto const text = GENERATE(as<std::string> {}, "", " ", "s", "ms", ".5s", "1.s", "1.", "1.2.3",
        "-1s", "+1s", "-0", "1 s", " 1s", "1s ", "1S", "1sec", "1d", "1ss", "1m5s", "1e3", "0x10",
        "1,5s", "\t1", "1\n", "9223372036854775808ns", "9223372036.854775808s", "2562048h",
        "153722867.3m", "99999999999999999999999999", std::string("1h\0", 3));
    CAPTURE(text);
    REQUIRE_FALSE(ipc::parse_duration(text));
}

TEST_CASE("counts are decimal numbers from 1 to 2^63-1", "[core]")
{
    auto const [text, expected] = GENERATE(table<std::string, std::uint64_t>({
        { "1", 1 },
        { "42", 42 },
        { "007", 7 },
        { "9223372036854775807", 9223372036854775807u },
    }));
    CAPTURE(text);
    REQUIRE(ipc::parse_count(text) == expected);
}

TEST_CASE("counts that are zero, signed, spaced, not decimal or too large are refused", "[core]")
{
    auto const text
        = GENERATE(as<std::string> {}, "", "0", "00", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10",
            "one", "1k", "9223372036854775808", "18446744073709551616", "99999999999999999999");
    CAPTURE(text);
    REQUIRE_FALSE(ipc::parse_count(text));
}

TEST_CASE("numbers are counts that may also be zero", "[core]")
{
    CHECK(ipc::parse_number("0") == 0u);
    CHECK(ipc::parse_number("12") == 12u);
    CHECK(ipc::parse_number("9223372036854775807") == 9223372036854775807u);
    auto const refused
        = GENERATE(as<std::string> {}, "", "-0", "+0", " 0", "0 ", "1.5", "9223372036854775808");
    CAPTURE(refused);
    CHECK_FALSE(ipc::parse_number(refused));
}

TEST_CASE("sizes take binary units K, M and G, with or without iB, in either case", "[core]")
{
    auto const [text, expected] = GENERATE(table<std::string, std::uint64_t>({
        { "0", 0 },
        { "4096", 4096 },
        { "64K", 64 * 1024 },
        { "64k", 64 * 1024 },
        { "64KiB", 64 * 1024 },
        { "1M", 1024 * 1024 },
        { "1m", 1024 * 1024 },
        { "2MiB", 2 * 1024 * 1024 },
        { "1G", 1024 * 1024 * 1024 },
        { "1GiB", 1024 * 1024 * 1024 },
        { "0K", 0 },
        { "18446744073709551615", 18446744073709551615u },
        { "17179869183G", 17179869183u << 30 },
    }));
    CAPTURE(text);
    REQUIRE(ipc::parse_size(text) == expected);
}

TEST_CASE("sizes that are malformed, decimal-unit, fractional or too large are refused", "[core]")
{
    auto const text = GENERATE(as<std::string> {}, "", "K", "KiB", "-1", "+1", " 1", "1 ", "1 K",
        "1.5M", "1KB", "1kB", "1Kib", "1KIB", "1B", "1T", "1iB", "1Ki", "1KiBs", "0x10",
        "18446744073709551616", "17179869184G", "18014398509481984K");
    CAPTURE(text);
    REQUIRE_FALSE(ipc::parse_size(text));
}

TEST_CASE("a formatted duration parses back to the same duration", "[core]")
{
    auto const count = GENERATE(std::int64_t { 0 }, 1, 999, 1000, 1001, 123456789, 60000000000,
        3600000000000, 3600000000001, 86400000000000, max_ns, max_ns - 1);
    CAPTURE(count);
    auto const text = ipc::format_duration(ipc::Duration(count));
    CAPTURE(text);
    REQUIRE(ipc::parse_duration(text) == ipc::Duration(count));
}

TEST_CASE("modes are octal and at most 0777", "[core]")
{
    CHECK(ipc::parse_mode("0600") == 0600);
    CHECK(ipc::parse_mode("644") == 0644);
    CHECK_FALSE(ipc::parse_mode(""));
    CHECK_FALSE(ipc::parse_mode("0800"));
    CHECK_FALSE(ipc::parse_mode("1777"));
    CHECK_FALSE(ipc::parse_mode("rw"));
    CHECK_FALSE(ipc::parse_mode("00600"));
}

TEST_CASE("a size in range is taken in every form parse_size takes", "[core]")
{
    CHECK(ipc::parse_size_in("64K", 65536, 1 << 30) == 65536u);
    CHECK(ipc::parse_size_in("1G", 65536, 1 << 30) == 1u << 30);
    CHECK_FALSE(ipc::parse_size_in("65535", 65536, 1 << 30));
    CHECK_FALSE(ipc::parse_size_in("2G", 65536, 1 << 30));
    CHECK_FALSE(ipc::parse_size_in("0", 1, 10));
    CHECK_FALSE(ipc::parse_size_in("", 0, 10));
}

TEST_CASE("an integer may be negative and must lie in its range", "[core]")
{
    constexpr std::int64_t limit = 1'000'000'000;
    CHECK(ipc::parse_integer("0", -limit, limit) == 0);
    CHECK(ipc::parse_integer("-0", -limit, limit) == 0);
    CHECK(ipc::parse_integer("-5", -limit, limit) == -5);
    CHECK(ipc::parse_integer("1000000000", -limit, limit) == limit);
    CHECK(ipc::parse_integer("-1000000000", -limit, limit) == -limit);
    CHECK(ipc::parse_integer("9223372036854775807", std::numeric_limits<std::int64_t>::min(),
              std::numeric_limits<std::int64_t>::max())
        == std::numeric_limits<std::int64_t>::max());
    for (auto const* bad : { "1000000001", "-1000000001", "+5", "5.0", " 5", "5 ", "-", "", "--5",
             "high", "9223372036854775808", "99999999999999999999" }) {
        CAPTURE(bad);
        CHECK_FALSE(ipc::parse_integer(bad, -limit, limit));
    }
    CHECK_FALSE(ipc::parse_integer("-1", 0, 10));
}

TEST_CASE("a choice is one of its words, matched exactly", "[core]")
{
    std::string_view const words[] = { "normal", "full" };
    CHECK(ipc::parse_choice("normal", words) == 0u);
    CHECK(ipc::parse_choice("full", words) == 1u);
    for (auto const* bad : { "", "Full", "ful", "fulll", "full ", "always" }) {
        CAPTURE(bad);
        CHECK_FALSE(ipc::parse_choice(bad, words));
    }
    CHECK_FALSE(ipc::parse_choice("full", std::span<std::string_view const> {}));
}
