#include "ipc/core/headers.hpp"

#include "support/headers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace std::string_literals;

namespace {

using Entries = ipc::test::HeaderEntries;
using ipc::test::build_headers;

Entries walk(std::string_view block)
{
    Entries entries;
    ipc::HeadersCursor cursor(block);
    while (auto const field = cursor.next()) {
        if (field->first)
            entries.push_back({ std::string(field->key), {} });
        CHECK(entries.back().first == field->key);
        entries.back().second.emplace_back(field->value);
    }
    return entries;
}

}

TEST_CASE("headers are encoded as ipc-protocol(7) shows", "[core]")
{
    CHECK(build_headers({ { "K", { "v1", "v2" } }, { "Id", { "" } } })
        == "\0\1K\0\2\0\2v1\0\2v2"
           "\0\2Id\0\1\0\0"s);
    CHECK(build_headers({}).empty());
}

TEST_CASE("a cursor walks each value with its key, in order", "[core]")
{
    Entries const entries { { "B", { "2", "1", "2" } }, { "A", { "x" } },
        { "Content-Type", { "text/plain; charset=utf-8" } }, { "Note", { "é 😀\t\"" } } };
    auto const block = build_headers(entries);
    CHECK_FALSE(ipc::headers_problem(block));
    CHECK(walk(block) == entries);
    CHECK(walk("").empty());
}

TEST_CASE("header_values finds the values of one key", "[core]")
{
    auto const block = build_headers({ { "a", { "1" } }, { "b", { "2", "3" } } });
    CHECK(ipc::header_values(block, "b") == std::vector<std::string_view> { "2", "3" });
    CHECK(ipc::header_values(block, "a") == std::vector<std::string_view> { "1" });
    CHECK(ipc::header_values(block, "B").empty()); // Keys are case-sensitive, as in NATS.
    CHECK(ipc::header_values("", "a").empty());
}

TEST_CASE("a key may have hundreds of values", "[core]")
{
    std::vector<std::string> values;
    for (int i = 0; i < 300; ++i)
        values.push_back(std::to_string(i));
    auto const block = build_headers({ { "n", values } });
    CHECK_FALSE(ipc::headers_problem(block));
    CHECK(walk(block) == Entries { { "n", values } });
}

TEST_CASE("bad headers are refused with a reason", "[core]")
{
    auto const [entries, reason] = GENERATE(table<Entries, std::string>({
        { { { "", { "x" } } }, "a header name is empty" },
        { { { "a b", { "x" } } }, "a header name has a space" },
        { { { "a:b", { "x" } } }, "a header name has a space, ':'" },
        { { { "caf\xc3\xa9", { "x" } } }, "not printable ASCII" },
        { { { "a\x7f", { "x" } } }, "not printable ASCII" },
        { { { "a\n", { "x" } } }, "not printable ASCII" },
        { { { "K", {} } }, "header \"K\" has no values" },
        { { { "K", { "a" } }, { "L", { "b" } }, { "K", { "c" } } }, "header \"K\" is given twice" },
        { { { "K", { "a\r\nb" } } }, "header \"K\" has a value with a line break" },
        { { { "K", { "ok", "a\n" } } }, "line break" },
        { { { "K", { "\xff" } } }, "header \"K\" has a value that is not UTF-8" },
        { { { "K", { "\xed\xa0\x80" } } }, "not UTF-8" },
    }));
    CAPTURE(entries);
    CHECK_THAT(build_headers(entries), Catch::StartsWith("error: ") && Catch::Contains(reason));
}

TEST_CASE("a key given twice is found among many keys too", "[core]")
{
    for (std::size_t keys : { 2U, 16U, 17U, 40U, 1000U }) {
        Entries entries;
        for (std::size_t i = 0; i < keys; ++i)
            entries.push_back({ fmt::format("k{}", i), { "v" } });
        CAPTURE(keys);
        CHECK_FALSE(ipc::headers_problem(build_headers(entries)));
        auto early = entries;
        early.push_back({ "k0", { "again" } });
        CHECK(build_headers(early) == "error: header \"k0\" is given twice");
        auto late = entries;
        late.insert(late.begin(), { fmt::format("k{}", keys - 1), { "first" } });
        CHECK(build_headers(late) == fmt::format("error: header \"k{}\" is given twice", keys - 1));
    }
}

TEST_CASE("a block must be made of whole entries", "[core]")
{
    auto const block = build_headers({ { "Key", { "one", "two" } }, { "L", { "" } } });
    // Prefixes that end on an entry's boundary are valid blocks; no other is.
    std::size_t const first_entry = 2 + 3 + 2 + 2 + 3 + 2 + 3;
    for (std::size_t length = 1; length < block.size(); ++length) {
        CAPTURE(length);
        auto const problem = ipc::headers_problem(block.substr(0, length));
        CHECK(problem.has_value() == (length != first_entry));
        if (problem)
            CHECK(*problem == "headers run past their end");
    }
    CHECK(ipc::headers_problem(block + '\0') == "headers run past their end");
    CHECK(ipc::headers_problem("\0\1K\0\0"s) == "header \"K\" has no values");
}

TEST_CASE("headers take at most 65535 bytes", "[core]")
{
    // One key "K" (2 + 1 + 2 bytes) and one value (2 bytes + its length).
    std::string const fits(ipc::max_headers_size - 7, 'x');
    auto const block = build_headers({ { "K", { fits } } });
    CHECK(block.size() == ipc::max_headers_size);
    CHECK_FALSE(ipc::headers_problem(block));
    CHECK(
        build_headers({ { "K", { fits + "x" } } }) == "error: headers take more than 65535 bytes");
    CHECK(build_headers({ { "K", { fits } }, { "L", {} } })
        == "error: headers take more than 65535 bytes");
    CHECK(build_headers({ { "K", { std::string(100'000, 'x') } } })
        == "error: headers take more than 65535 bytes");
    CHECK(ipc::headers_problem(block + "\0\1L\0\1\0\0"s) == "headers take more than 65535 bytes");
}

TEST_CASE("a cursor stops at a block that is not whole", "[core]")
{
    auto const cut = "\0\1K\0\2\0\1a\0\5b"s; // The second value is cut short.
    ipc::HeadersCursor cursor(cut);
    auto const first = cursor.next();
    REQUIRE(first);
    CHECK(first->value == "a");
    CHECK_FALSE(cursor.next());
}
