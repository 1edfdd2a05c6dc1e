#include "ipc/core/spelling.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>

using ipc::edit_distance;
using ipc::nearest_word;

TEST_CASE("edit_distance counts insertions, deletions, substitutions and swaps", "[spelling]")
{
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("push", "push") == 0);
    CHECK(edit_distance("", "pop") == 3);
    CHECK(edit_distance("pop", "") == 3);
    CHECK(edit_distance("pusj", "push") == 1); // substitution
    CHECK(edit_distance("psh", "push") == 1); // insertion
    CHECK(edit_distance("pushh", "push") == 1); // deletion
    CHECK(edit_distance("puhs", "push") == 1); // swap
    CHECK(edit_distance("stat", "work") == 4);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("nearest_word suggests one clearly near command or none", "[spelling]")
{
    std::array<std::string, 9> const commands { "push", "pop", "work", "peek", "stat", "dead",
        "retry", "purge", "rm" };
    CHECK(nearest_word("pusj", commands) == "push");
    CHECK(nearest_word("wrok", commands) == "work");
    CHECK(nearest_word("statt", commands) == "stat");
    CHECK(nearest_word("retyr", commands) == "retry");
    CHECK(nearest_word("pur", commands) == "purge"); // the only one it starts
    CHECK(nearest_word("re", commands) == "retry");
    // "p" starts four commands; "pe" only peek.
    CHECK(nearest_word("p", commands) == std::nullopt);
    CHECK(nearest_word("pe", commands) == "peek");
    // Too far from everything, or as near to two.
    CHECK(nearest_word("list", commands) == std::nullopt);
    CHECK(nearest_word("xyzzy", commands) == std::nullopt);
    CHECK(nearest_word("pok", commands) == "pop"); // one edit from pop, two from peek and work
    std::array<std::string, 2> const twins { "push", "pull" };
    CHECK(nearest_word("pusl", twins) == std::nullopt); // one edit from each
    CHECK(nearest_word("", commands) == std::nullopt);
}
