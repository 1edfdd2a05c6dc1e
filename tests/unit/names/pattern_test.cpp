#include "ipc/names/pattern.hpp"

#include "ipc/core/error.hpp"
#include "ipc/names/name.hpp"

#include <catch2/catch.hpp>

namespace {

bool matches(std::string_view pattern, std::string_view topic)
{
    auto const parsed = ipc::Pattern::try_parse(pattern);
    REQUIRE(parsed);
    return parsed->matches(topic);
}

}

TEST_CASE("patterns are names whose tokens may be '*', or '>' as the last one", "[names]")
{
    auto const [text, literal] = GENERATE(table<std::string, bool>({
        { "a", true },
        { "sensors.temp", true },
        { "*", false },
        { ">", false },
        { "a.*", false },
        { "a.>", false },
        { "*.b.*", false },
        { "*.>", false },
        { "a.*.c.>", false },
    }));
    CAPTURE(text);
    auto const pattern = ipc::Pattern::try_parse(text);
    REQUIRE(pattern);
    CHECK(pattern->text() == text);
    CHECK(pattern->is_literal() == literal);
}

TEST_CASE("patterns with empty tokens, partial wildcards or bad bytes are refused", "[names]")
{
    auto const text = GENERATE(as<std::string> {}, "", ".", "a.", ".a", "a..b", "a*", "*a", "a.b*",
        "**", ">>", "a>", ">.a", "a.>.b", ">.>", "a/b", "a b", "a\nb", "a.\x01",
        std::string(ipc::max_name_length + 1, 'a'));
    CAPTURE(text);
    CHECK_FALSE(ipc::Pattern::try_parse(text));
}

TEST_CASE("wildcards match whole tokens: '*' exactly one, '>' one or more at the end", "[names]")
{
    auto const [pattern, topic, expected] = GENERATE(table<std::string, std::string, bool>({
        { "a", "a", true },
        { "a", "b", false },
        { "a", "a.b", false },
        { "a.b", "a", false },
        { "a.b", "a.b", true },
        { "a.*", "a.b", true },
        { "a.*", "a.b.c", false },
        { "a.*", "a", false },
        { "a.*", "b.c", false },
        { "a.>", "a.b", true },
        { "a.>", "a.b.c", true },
        { "a.>", "a", false },
        { "a.>", "ab.c", false },
        { ">", "a", true },
        { ">", "a.b.c.d", true },
        { "*", "abc", true },
        { "*", "a.b", false },
        { "*.b", "a.b", true },
        { "*.b", "a.c", false },
        { "*.*", "a.b", true },
        { "*.*", "a", false },
        { "*.>", "a", false },
        { "*.>", "a.b.c", true },
        { "a.*.c", "a.x.c", true },
        { "a.*.c", "a.x.d", false },
        { "a.*.c.>", "a.x.c.d.e", true },
        { "a.*.c.>", "a.x.c", false },
    }));
    CAPTURE(pattern, topic);
    CHECK(matches(pattern, topic) == expected);
}

TEST_CASE("no pattern matches a topic that is not a valid name", "[names]")
{
    auto const pattern = GENERATE(as<std::string> {}, ">", "*", "a.>", "a.*", "*.*", "a", "a.b");
    auto const topic
        = GENERATE(as<std::string> {}, "", ".", "a.", ".a", "a..b", "a.b.", "a./", "a.*", "a.>",
            "a.b c", std::string("a.\0", 3), "a." + std::string(ipc::max_name_length, 'b'));
    CAPTURE(pattern, topic);
    CHECK_FALSE(matches(pattern, topic));
}

TEST_CASE("a literal pattern matches exactly its own text", "[names]")
{
    auto const text = GENERATE(as<std::string> {}, "a", "a.b", "x-1.y_2.z");
    auto const pattern = ipc::Pattern::try_parse(text);
    REQUIRE(pattern);
    CHECK(pattern->matches(text));
    CHECK_FALSE(pattern->matches(text + ".x"));
    CHECK_FALSE(pattern->matches(text.substr(1)));
}

TEST_CASE("parse_patterns keeps the order and refuses the first bad pattern by name", "[names]")
{
    auto const patterns = ipc::parse_patterns({ "a.>", "b", "*.c" });
    REQUIRE(patterns.size() == 3);
    CHECK(patterns[0].text() == "a.>");
    CHECK(patterns[2].text() == "*.c");
    CHECK(ipc::parse_patterns({}).empty());

    auto const [texts, expected] = GENERATE(table<std::vector<std::string>, std::string>({
        { { "ok", "a.>.b" }, "a.>.b: not a valid pattern ('>' may only be the last token)" },
        { { "a*" }, "a*: not a valid pattern ('*' and '>' must be whole tokens)" },
        { { "a..b" },
            "a..b: not a valid pattern (a token is empty; tokens are joined by single dots)" },
        { { "" }, "'': not a valid pattern (it is empty)" },
        { { "a/b" },
            "a/b: not a valid pattern (use letters, digits, '-', '_' joined by '.', '*' for one "
            "token, '>' for the rest)" },
        { { "a\nb" },
            "a\\x0ab: not a valid pattern (use letters, digits, '-', '_' joined by '.', '*' for "
            "one "
            "token, '>' for the rest)" },
        { { std::string(300, 'p') },
            std::string(40, 'p') + "...: not a valid pattern (at most 200 characters)" },
    }));
    try {
        ipc::parse_patterns(texts);
        FAIL("parse_patterns accepted a bad pattern");
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == ipc::Exit::Usage);
        CHECK(error.what() == expected);
    }
}

TEST_CASE("a pattern covers another when it matches every topic the other does", "[names]")
{
    auto const [outer, inner, covers] = GENERATE(table<std::string, std::string, bool>({
        { "a.>", "a.b", true },
        { "a.>", "a.*", true },
        { "a.>", "a.>", true },
        { "a.>", "a.b.>", true },
        { "a.>", "a", false },
        { ">", "a.*.c", true },
        { "a.*", "a.b", true },
        { "a.*", "a.*", true },
        { "a.*", "a.>", false },
        { "a.*", "a.b.c", false },
        { "*.b", "a.*", false },
        { "a.*", "*.b", false },
        { "a.b", "a.*", false },
        { "a.b", "a.b", true },
        { "a.b", "a.c", false },
        { "*", "a.b", false },
    }));
    CAPTURE(outer, inner);
    CHECK(ipc::Pattern::try_parse(outer)->covers(*ipc::Pattern::try_parse(inner)) == covers);
}

TEST_CASE("covered patterns are left out, so a broker delivers each message once", "[names]")
{
    auto texts = [](std::vector<ipc::Pattern> const& patterns) {
        std::vector<std::string> out;
        for (auto const& pattern : patterns)
            out.push_back(pattern.text());
        return out;
    };
    CHECK(texts(ipc::without_covered(ipc::parse_patterns({ "a.b", "a.>", "x", "a.*", "x" })))
        == std::vector<std::string> { "a.>", "x" });
    // Partial overlaps both stay (a message on a.b may then come twice).
    CHECK(texts(ipc::without_covered(ipc::parse_patterns({ "a.*", "*.b" })))
        == std::vector<std::string> { "a.*", "*.b" });
}
