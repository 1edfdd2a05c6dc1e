#include "ipc/names/name.hpp"

#include "ipc/core/error.hpp"

#include <catch2/catch.hpp>

TEST_CASE("names are tokens of letters, digits, '-' and '_' joined by dots", "[names]")
{
    auto const name = GENERATE(as<std::string> {}, "a", "Z", "0", "-", "_", "sensors.temp",
        "build-42.log_x", "a.b.c.d.e", "UPPER.lower.123", std::string(ipc::max_name_length, 'x'));
    CAPTURE(name);
    CHECK(ipc::is_valid_name(name));
    CHECK(ipc::parse_name(name, "topic") == name);
}

TEST_CASE("names with empty tokens, wildcards, slashes or other bytes are refused", "[names]")
{
    auto const name = GENERATE(as<std::string> {}, "", ".", "..", ".a", "a.", "a..b", "a/b", "/a",
        "../etc", "*", ">", "a.*", "a.>", "a b", "a\tb", "a\nb", "caf\xc3\xa9", "a:b", "a\\b",
        std::string("a\0b", 3), std::string(ipc::max_name_length + 1, 'x'));
    CAPTURE(name);
    CHECK_FALSE(ipc::is_valid_name(name));
    CHECK_THROWS_AS(ipc::parse_name(name, "topic"), ipc::Error);
}

TEST_CASE("a bad name is reported on one line with its kind and the rule", "[names]")
{
    auto const [name, kind, expected] = GENERATE(table<std::string, std::string, std::string>({
        { "../etc", "topic",
            "../etc: not a valid topic name (use letters, digits, '-', '_' joined by '.')" },
        { "a b", "queue",
            "a b: not a valid queue name (use letters, digits, '-', '_' joined by '.')" },
        { "", "service",
            "'': not a valid service name (use letters, digits, '-', '_' joined by '.')" },
        { "x\n\x1b[31my", "topic",
            "x\\x0a\\x1b[31my: not a valid topic name (use letters, digits, '-', '_' joined by "
            "'.')" },
    }));
    CAPTURE(name);
    try {
        ipc::parse_name(name, kind);
        FAIL("parse_name accepted a bad name");
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == ipc::Exit::Usage);
        CHECK(error.what() == expected);
    }
}

TEST_CASE("a name that is too long is reported by its start and the limit", "[names]")
{
    std::string const name(1000, 'a');
    CHECK_THROWS_WITH(ipc::parse_name(name, "topic"),
        std::string(40, 'a') + "...: not a valid topic name (at most 200 characters)");
}

TEST_CASE("printable escapes control bytes, non-ASCII bytes and backslashes", "[names]")
{
    auto const [text, expected] = GENERATE(table<std::string, std::string>({
        { "plain.text", "plain.text" },
        { "", "''" },
        { "a\nb", "a\\x0ab" },
        { "tab\there", "tab\\x09here" },
        { "\x7f", "\\x7f" },
        { "caf\xc3\xa9", "caf\\xc3\\xa9" },
        { "back\\slash", "back\\x5cslash" },
        { std::string("nul\0", 4), "nul\\x00" },
        { "~ !\"'", "~ !\"'" },
    }));
    CHECK(ipc::printable(text) == expected);
}
