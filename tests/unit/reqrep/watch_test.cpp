#include "ipc/reqrep/watch.hpp"

#include "ipc/reqrep/stderr_relay.hpp"
#include "ipc/reqrep/tap.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Lines {
    std::vector<std::string> got;
    ipc::reqrep::StderrRelay::Emit emit()
    {
        return [this](std::string_view line) { got.emplace_back(line); };
    }
};

}

TEST_CASE("-v's line names the request, its client, its bytes, its status and its time", "[reqrep]")
{
    ipc::reqrep::Exchange const exchange { 12, "pid 4242 uid 1000", 5, {} };
    CHECK(ipc::reqrep::verbose_line("calc", exchange, ipc::wire::ReplyStatus::Ok, "1024\n", 1300us)
        == "calc #12 pid 4242 uid 1000 in 5 B out 5 B ok 1.3ms");
    CHECK(ipc::reqrep::verbose_line(
              "calc", exchange, ipc::wire::ReplyStatus::Error, "exit 1: one\ntwo\n", 2ms)
        == "calc #12 pid 4242 uid 1000 in 5 B out 16 B error 2ms: exit 1: one\\ntwo\\n");
}

TEST_CASE("a handler's stderr comes out line by line however it was read", "[reqrep]")
{
    std::string const text = "first line\nsecond\n\nlast, unfinished";
    auto const split = GENERATE(1, 2, 5, 11, 100);
    CAPTURE(split);
    ipc::reqrep::StderrRelay relay;
    Lines lines;
    for (std::size_t at = 0; at < text.size(); at += static_cast<std::size_t>(split))
        relay.feed(
            std::string_view(text).substr(at, static_cast<std::size_t>(split)), lines.emit());
    CHECK(lines.got == std::vector<std::string> { "first line", "second", "" });
    relay.finish(lines.emit());
    CHECK(lines.got.back() == "last, unfinished");
}

TEST_CASE(
    "a long stderr line is cut, and past a request's budget lines are only counted", "[reqrep]")
{
    ipc::reqrep::StderrRelay relay(4, 12);
    Lines lines;
    relay.feed("abcdefgh\n", lines.emit()); // Cut: 4 shown, "efgh\n" counted (5).
    relay.feed("ab\n", lines.emit());
    relay.feed("cd\n", lines.emit()); // Budget: 5 + 3 + 3 = 11 shown so far.
    relay.feed("ef\nxyz\n", lines.emit()); // "ef" still fits (budget reached after it).
    relay.end_request(lines.emit());
    CHECK(lines.got
        == std::vector<std::string> {
            "abcd...", "ab", "cd", "ef", "9 more bytes of standard error not shown" });
    relay.feed("next\n", lines.emit()); // A new request, a new budget.
    CHECK(lines.got.back() == "next");
}

TEST_CASE("a tap event survives its headers, and reads as a line for people", "[reqrep]")
{
    using ipc::reqrep::TapEvent;
    TapEvent const request { .kind = TapEvent::Kind::Request,
        .number = 12,
        .client = "pid 4242 uid 1000",
        .server = 77,
        .sequence = 3 };
    auto const block = ipc::reqrep::tap_headers(request);
    auto const parsed = ipc::reqrep::parse_tap_headers(block);
    REQUIRE(parsed);
    CHECK(parsed->kind == TapEvent::Kind::Request);
    CHECK(parsed->number == 12);
    CHECK(parsed->client == "pid 4242 uid 1000");
    CHECK(parsed->server == 77);
    CHECK(parsed->sequence == 3);
    CHECK(ipc::reqrep::tap_line(*parsed, "2^10") == "#12 pid 4242 uid 1000 > 2^10");

    TapEvent const reply { .kind = TapEvent::Kind::Reply, .number = 12, .error = true };
    auto const reply_block = ipc::reqrep::tap_headers(reply);
    auto const parsed_reply = ipc::reqrep::parse_tap_headers(reply_block);
    REQUIRE(parsed_reply);
    CHECK(ipc::reqrep::tap_line(*parsed_reply, "exit 1") == "#12 <! exit 1");
    CHECK(parsed_reply->error);
    CHECK(ipc::reqrep::tap_line({ .kind = TapEvent::Kind::Reply, .number = 3 }, "1024")
        == "#3 < 1024");
    CHECK_FALSE(ipc::reqrep::parse_tap_headers(""));
}

TEST_CASE("a tap counts the events it missed from the gaps in each server's sequence", "[reqrep]")
{
    using ipc::reqrep::TapEvent;
    ipc::reqrep::TapGaps gaps;
    CHECK(gaps.see({ .server = 1, .sequence = 40 }) == 0); // It starts where it starts.
    CHECK(gaps.see({ .server = 1, .sequence = 41 }) == 0);
    CHECK(gaps.see({ .server = 2, .sequence = 7 }) == 0); // Another server counts on its own.
    CHECK(gaps.see({ .server = 1, .sequence = 45 }) == 3);
    CHECK(gaps.see({ .server = 2, .sequence = 8 }) == 0);
}
