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
            }
        }
    }
}

TEST_CASE("count_byte counts past 255 matches in a row without wrapping", "[core]")
{
    std::string const lines(16 * 300, '\n');
    CHECK(ipc::count_byte(lines, '\n') == 4800);
}
