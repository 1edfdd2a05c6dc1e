#include "ipc/framing/splitter.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using ipc::framing::Mode;
using ipc::framing::Splitter;
using namespace std::string_literals;

namespace {

struct Split {
    std::vector<std::string> messages;
    Splitter::Status end = Splitter::Status::NeedMore;
};

Splitter::Status drain(Splitter& splitter, std::vector<std::string>& messages)
{
    std::string_view message;
    auto status = splitter.next(message);
    for (; status == Splitter::Status::Ready; status = splitter.next(message))
        messages.emplace_back(message);
    return status;
}

// Feeds input in pieces of `chunk` bytes, taking messages out after each one.
Split split(Mode mode, std::string_view input, std::size_t chunk, std::size_t max_size = 1 << 20,
    char delimiter = ',')
{
    Splitter splitter(mode, delimiter, max_size);
    Split result;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        splitter.append(input.substr(at, chunk));
        result.end = drain(splitter, result.messages);
        if (result.end != Splitter::Status::NeedMore)
            return result;
    }
    splitter.finish();
    result.end = drain(splitter, result.messages);
    return result;
}

std::string frame(std::string_view body)
{
    auto const size = static_cast<std::uint32_t>(body.size());
    std::string out { static_cast<char>(size >> 24), static_cast<char>(size >> 16),
        static_cast<char>(size >> 8), static_cast<char>(size) };
    return out.append(body);
}

struct Case {
    Mode mode;
    std::string input;
    std::vector<std::string> expected;
};

std::vector<Case> cases()
{
    return {
        { Mode::Line, "a\n\nb\n", { "a", "", "b" } },
        { Mode::Line, "one\ntwo", { "one", "two" } },
        { Mode::Line, "", {} },
        { Mode::Line, "\n", { "" } },
        { Mode::Line, "cr\r\nlf\n\r", { "cr\r", "lf", "\r" } },
        { Mode::Line, "nul\0inside\n"s, { "nul\0inside"s } },
        { Mode::Nul, "a\0b\0\0"s, { "a", "b", "" } },
        { Mode::Nul, "a\nb"s, { "a\nb" } },
        { Mode::Delimiter, "x,y,,z", { "x", "y", "", "z" } },
        { Mode::Delimiter, "x\ny,", { "x\ny" } },
        { Mode::Whole, "a\nb\0c\n"s, { "a\nb\0c\n"s } },
        { Mode::Whole, "", { "" } },
        { Mode::Length, frame("a") + frame("") + frame("b\nc"), { "a", "", "b\nc" } },
        { Mode::Length, "", {} },
    };
}

}

TEST_CASE("every mode cuts the same messages however the input is chunked", "[framing]")
{
    auto const chunk = static_cast<std::size_t>(GENERATE(range(1, 12), 64, 4096));
    for (auto const& test : cases()) {
        CAPTURE(chunk, static_cast<int>(test.mode), test.input);
        auto const result = split(test.mode, test.input, chunk);
        CHECK(result.end == Splitter::Status::NeedMore);
        CHECK(result.messages == test.expected);
    }
}

TEST_CASE("input split in two at every byte boundary gives the same messages", "[framing]")
{
    for (auto const& test : cases()) {
        for (std::size_t cut = 0; cut <= test.input.size(); ++cut) {
            CAPTURE(static_cast<int>(test.mode), test.input, cut);
            Splitter splitter(test.mode, ',', 1 << 20);
            std::vector<std::string> messages;
            splitter.append(std::string_view(test.input).substr(0, cut));
            REQUIRE(drain(splitter, messages) == Splitter::Status::NeedMore);
            splitter.append(std::string_view(test.input).substr(cut));
            REQUIRE(drain(splitter, messages) == Splitter::Status::NeedMore);
            splitter.finish();
            CHECK(drain(splitter, messages) == Splitter::Status::NeedMore);
            CHECK(messages == test.expected);
        }
    }
}

TEST_CASE("a message of exactly max_size bytes is accepted in every mode", "[framing]")
{
    std::string const body(100, 'x');
    CHECK(split(Mode::Line, body + "\n", 7, 100).messages == std::vector { body });
    CHECK(split(Mode::Line, body, 7, 100).messages == std::vector { body });
    CHECK(split(Mode::Nul, body + '\0', 7, 100).messages == std::vector { body });
    CHECK(split(Mode::Whole, body, 7, 100).messages == std::vector { body });
    CHECK(split(Mode::Length, frame(body), 7, 100).messages == std::vector { body });
}

TEST_CASE("a message longer than max_size is refused in every mode", "[framing]")
{
    std::string const body(101, 'x');
    auto const chunk = static_cast<std::size_t>(GENERATE(1, 7, 200));
    CAPTURE(chunk);
    CHECK(split(Mode::Line, "ok\n" + body + "\n", chunk, 100).end == Splitter::Status::TooLarge);
    CHECK(split(Mode::Line, "ok\n" + body, chunk, 100).end == Splitter::Status::TooLarge);
    CHECK(split(Mode::Delimiter, body + ",", chunk, 100).end == Splitter::Status::TooLarge);
    CHECK(split(Mode::Whole, body, chunk, 100).end == Splitter::Status::TooLarge);
    CHECK(split(Mode::Length, frame(body), chunk, 100).end == Splitter::Status::TooLarge);
    auto const lines = split(Mode::Line, "ok\n" + body + "\nlater\n", chunk, 100);
    CHECK(lines.messages == std::vector<std::string> { "ok" });
}

TEST_CASE("an oversized --len frame is refused from its header alone", "[framing]")
{
    Splitter splitter(Mode::Length, 0, 1000);
    splitter.append("\xff\xff\xff\xff");
    std::string_view message;
    CHECK(splitter.next(message) == Splitter::Status::TooLarge);
    CHECK(splitter.next(message) == Splitter::Status::TooLarge); // Final.
}

TEST_CASE("an endless line is refused before more than max_size plus one read is kept", "[framing]")
{
    std::size_t const max_size = 1 << 20;
    std::size_t const chunk = 64 * 1024;
    Splitter splitter(Mode::Line, '\n', max_size);
    std::size_t fed = 0;
    std::string_view message;
    auto status = Splitter::Status::NeedMore;
    while (status == Splitter::Status::NeedMore && fed < 100 * max_size) {
        auto room = splitter.prepare(chunk);
        REQUIRE(room.size() >= chunk);
        CHECK(room.size() + splitter.pending() <= max_size + 3 * chunk);
        std::memset(room.data(), 'x', chunk);
        splitter.commit(chunk);
        fed += chunk;
        status = splitter.next(message);
    }
    CHECK(status == Splitter::Status::TooLarge);
    CHECK(fed <= max_size + chunk);
}

TEST_CASE("a truncated --len frame at the end of input is reported", "[framing]")
{
    auto const truncated = GENERATE(as<std::string> {}, "\0\0"s, "\0\0\0\5ab"s, "\0\0\0\1"s);
    CAPTURE(truncated);
    auto const result = split(Mode::Length, frame("whole") + truncated, 3);
    CHECK(result.messages == std::vector<std::string> { "whole" });
    CHECK(result.end == Splitter::Status::Truncated);
}

TEST_CASE("a 10 MiB line is one message", "[framing]")
{
    std::string line(10 << 20, 'x');
    for (std::size_t i = 0; i < line.size(); i += 4099)
        line[i] = static_cast<char>('a' + i % 26);
    auto const result = split(Mode::Line, line + "\nend\n", 64 * 1024, 64 << 20);
    REQUIRE(result.messages.size() == 2);
    CHECK(result.messages[0] == line);
    CHECK(result.messages[1] == "end");
}

TEST_CASE("views stay valid until the next prepare, across compaction", "[framing]")
{
    Splitter splitter(Mode::Line, '\n', 1 << 20);
    splitter.append("first\nsecond\nthi");
    std::string_view first;
    std::string_view second;
    std::string_view third;
    REQUIRE(splitter.next(first) == Splitter::Status::Ready);
    REQUIRE(splitter.next(second) == Splitter::Status::Ready);
    CHECK(first == "first");
    CHECK(second == "second");
    REQUIRE(splitter.next(third) == Splitter::Status::NeedMore);
    CHECK(splitter.pending() == 3);
    // Asking for more room than is left moves the partial line to the front.
    auto room = splitter.prepare(1 << 20);
    std::memcpy(room.data(), "rd\n", 3);
    splitter.commit(3);
    REQUIRE(splitter.next(third) == Splitter::Status::Ready);
    CHECK(third == "third");
    CHECK(splitter.pending() == 0);
}

TEST_CASE("line mode cuts at newlines whatever delimiter is passed", "[framing]")
{
    CHECK(split(Mode::Line, "a,b\nc", 2, 100, ',').messages
        == std::vector<std::string> { "a,b", "c" });
    CHECK(split(Mode::Nul, "a,b\0c"s, 2, 100, ',').messages
        == std::vector<std::string> { "a,b", "c" });
}

TEST_CASE("runs hold every complete line and leave the unterminated rest", "[framing]")
{
    Splitter splitter(Mode::Line, '\n', 100);
    splitter.append("a\nbb\n\nccc");
    std::string_view run;
    std::size_t count = 0;
    REQUIRE(splitter.next_run(run, 1000, count) == Splitter::Status::Ready);
    CHECK(run == "a\nbb\n\n");
    CHECK(count == 3);
    CHECK(splitter.next_run(run, 1000, count) == Splitter::Status::NeedMore);
    splitter.finish();
    CHECK(splitter.next_run(run, 1000, count) == Splitter::Status::NeedMore);
    std::string_view message;
    REQUIRE(splitter.next(message) == Splitter::Status::Ready);
    CHECK(message == "ccc");
}

TEST_CASE("a run is cut at its limit and before a message that is too long", "[framing]")
{
    Splitter splitter(Mode::Nul, '\0', 4);
    splitter.append(std::string("ab\0cd\0toolong\0", 14));
    std::string_view run;
    std::size_t count = 0;
    REQUIRE(splitter.next_run(run, 4, count) == Splitter::Status::Ready);
    CHECK(run == std::string_view("ab\0", 3));
    REQUIRE(splitter.next_run(run, 100, count) == Splitter::Status::Ready);
    CHECK(run == std::string_view("cd\0", 3));
    CHECK(count == 1);
    CHECK(splitter.next_run(run, 100, count) == Splitter::Status::TooLarge);
}
