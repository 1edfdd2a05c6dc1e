#include "ipc/core/time.hpp"

#include <catch2/catch.hpp>
#include <limits>

using namespace std::chrono_literals;

namespace {

constexpr std::int64_t sample_time = 1795754558123456789; // 2026-11-27T04:42:38.123456789Z

std::string rfc3339(std::int64_t time_ns)
{
    std::string out;
    ipc::append_rfc3339(out, time_ns);
    return out;
}

}

TEST_CASE("times are written in RFC 3339, UTC, to the microsecond rounded down", "[core]")
{
    CHECK(rfc3339(sample_time) == "2026-11-27T04:42:38.123456Z");
    CHECK(rfc3339(0) == "1970-01-01T00:00:00.000000Z");
    CHECK(rfc3339(-1) == "1969-12-31T23:59:59.999999Z");
    CHECK(rfc3339(951782400'000'000'000) == "2000-02-29T00:00:00.000000Z");
}

TEST_CASE("an RFC 3339 time is read to the nanosecond, in any offset", "[core]")
{
    CHECK(ipc::parse_rfc3339("2026-11-27T04:42:38.123456789Z") == sample_time);
    CHECK(ipc::parse_rfc3339("2026-11-27t05:42:38.1234567891+01:00") == sample_time);
    CHECK(ipc::parse_rfc3339("2026-11-27 04:42:38.123456789z") == sample_time);
    CHECK(ipc::parse_rfc3339("2026-11-26T23:12:38.123456789-05:30") == sample_time);
    CHECK(
        ipc::parse_rfc3339("2026-11-27T04:42:38Z") == sample_time / 1'000'000'000 * 1'000'000'000);
    CHECK(ipc::parse_rfc3339("1969-12-31T23:59:59.999999999Z") == -1);
    CHECK(ipc::parse_rfc3339("2000-02-29T00:00:00.000000Z") == 951782400'000'000'000);
}

TEST_CASE("what is written reads back", "[core]")
{
    auto const time = GENERATE(std::int64_t { 0 }, std::int64_t { -1'000 },
        sample_time / 1000 * 1000, std::int64_t { 7'258'118'399'999'999'000 });
    CHECK(ipc::parse_rfc3339(rfc3339(time)) == time);
}

TEST_CASE("malformed and out-of-range times are refused", "[core]")
{
    auto const text = GENERATE(as<std::string> {}, "", "yesterday", "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "9999-01-01T00:00:00Z",
        "1677-12-31T23:59:59Z", "202d-01-01T00:00:00Z", "2026-01-01T00:00:00+1:00",
        "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:00x", "+2026-01-01T00:00:00Z",
        "2026-1-01T00:00:00Z");
    CAPTURE(text);
    CHECK_FALSE(ipc::parse_rfc3339(text));
}

TEST_CASE("durations are formatted in the largest unit that shows them exactly", "[core]")
{
    auto const [duration, expected] = GENERATE(table<ipc::Duration, std::string>({
        { 0ns, "0s" },
        { 1ns, "1ns" },
        { 999ns, "999ns" },
        { 10us, "10us" },
        { 1500ns, "1.5us" },
        { 250ms, "250ms" },
        { 1001us, "1.001ms" },
        { 2s, "2s" },
        { 1500ms, "1.5s" },
        { 1000000001ns, "1.000000001s" },
        { 90s, "90s" },
        { 1min, "1m" },
        { 150min, "150m" },
        { 1h, "1h" },
        { -1500ms, "-1.5s" },
    }));
    CAPTURE(expected);
    REQUIRE(ipc::format_duration(duration) == expected);
}

TEST_CASE("the most negative duration is still formatted", "[core]")
{
    REQUIRE(ipc::format_duration(ipc::Duration(std::numeric_limits<std::int64_t>::min()))
        == "-9223372036.854775808s");
}

TEST_CASE("an elapsed time is rounded to a few digits for a log line", "[core]")
{
    auto const [elapsed, expected] = GENERATE(table<ipc::Duration, std::string>({
        { 0ns, "0s" },
        { 400ns, "0s" },
        { 250'400ns, "250us" },
        { 1'287'100ns, "1.3ms" },
        { 999'999'999ns, "1s" },
        { 12'345'678'901ns, "12.35s" },
    }));
    CAPTURE(expected);
    REQUIRE(ipc::format_elapsed(elapsed) == expected);
}

TEST_CASE("an age is whole, in the largest unit of which it holds two", "[core]")
{
    auto const [age, expected] = GENERATE(table<ipc::Duration, std::string>({
        { 0s, "0s" },
        { 999ms, "0s" },
        { 1500ms, "1s" },
        { 42s, "42s" },
        { 119s, "119s" },
        { 120s, "2m" },
        { 7min + 59s, "7m" },
        { 119min, "119m" },
        { 2h, "2h" },
        { 47h + 59min, "47h" },
        { 48h, "2d" },
        { 24h * 400, "400d" },
        { ipc::Duration::max(), "106751d" },
        { -5s, "0s" },
        { ipc::Duration::min(), "0s" },
    }));
    CAPTURE(expected);
    REQUIRE(ipc::format_age(age) == expected);
}
