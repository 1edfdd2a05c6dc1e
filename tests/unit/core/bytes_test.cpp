#include "ipc/core/bytes.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>

TEST_CASE("count_byte agrees with std::count at every length and alignment", "[core]")
{
    std::mt19937 random(42);
    std::string bytes(5000, '\0');
    for (auto& byte : bytes)
        byte = "a\n\0\xff"[random() % 4]; // Dense matches, and bytes with the high bit set.
    for (char const value : { '\n', '\0', '\xff', 'z' }) {
        for (std::size_t offset = 0; offset < 17; ++offset) {
            for (std::size_t length :
                { 0UL, 1UL, 7UL, 8UL, 15UL, 16UL, 17UL, 31UL, 33UL, 4080UL, 4096UL, 4983UL }) {
                std::string_view const view(bytes.data() + offset, length);
                auto const expected = std::count(view.begin(), view.end(), value);
                REQUIRE(ipc::count_byte(view, value) == static_cast<std::uint64_t>(expected));
                REQUIRE(ipc::detail::count_byte_baseline(view, value)
                    == static_cast<std::uint64_t>(expected));
            }
        }
    }
}

TEST_CASE("count_byte counts past 255 matches in a row without wrapping", "[core]")
{
    std::string const lines(16 * 300, '\n');
    CHECK(ipc::count_byte(lines, '\n') == 4800);
    std::string const more(100'000, '\n'); // Past 255 rounds of the widest loop.
    CHECK(ipc::count_byte(more, '\n') == 100'000);
    CHECK(ipc::detail::count_byte_baseline(more, '\n') == 100'000);
}

TEST_CASE("count_byte without AVX2 and with it agree with std::count on long runs", "[core]")
{
    std::mt19937 random(7);
    std::string bytes(70'000, 'a');
    for (std::size_t i = 0; i < bytes.size(); i += 1 + random() % 40)
        bytes[i] = '\n'; // Lines of 1 to 40 bytes.
    for (std::size_t offset : { 0UL, 1UL, 31UL }) {
        std::string_view const view(bytes.data() + offset, bytes.size() - 2 * offset);
        auto const expected
            = static_cast<std::uint64_t>(std::count(view.begin(), view.end(), '\n'));
        CAPTURE(offset, ipc::detail::has_avx2());
        CHECK(ipc::detail::count_byte_baseline(view, '\n') == expected);
        CHECK(ipc::count_byte(view, '\n') == expected);
    }
}
