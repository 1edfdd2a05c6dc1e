// Pub/sub as every backend must do it (backend.hpp says how the cases run).

#include "ipc/backend.hpp"

#include "backend/backend.hpp"
#include "support/headers.hpp"
#include "support/receive.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace std::chrono_literals;
using ipc::test::receive;

TEST_CASE("published messages arrive in order with their topic", "[backend][pubsub]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    auto subscriber
        = ipc::open_subscriber(backend.options(), ipc::parse_patterns({ "news.*" }), {});
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher(backend.options(), {}, stop);
    for (auto const* text : { "one", "", "three" })
        REQUIRE(publisher->publish({ text, "news.local" }));
    REQUIRE(publisher->publish({ "not for us", "news.local.deep" }));
    REQUIRE(publisher->publish({ "four", "news.other" }));
    REQUIRE(publisher->flush());
    auto const got = receive(*subscriber, 4);
    CHECK(got
        == std::vector<std::string> {
            "news.local:one", "news.local:", "news.local:three", "news.other:four" });
}

TEST_CASE(
    "the members of a group share the messages, each going to exactly one", "[backend][pubsub]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    auto first = ipc::open_subscriber(
        backend.options(), ipc::parse_patterns({ "jobs" }), { .group = "workers" });
    auto second = ipc::open_subscriber(
        backend.options(), ipc::parse_patterns({ "jobs" }), { .group = "workers" });
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher(backend.options(), {}, stop);
    // NATS picks a member at random: one of 40 going to one member alone
    // would be one chance in 2^39.
    for (int i = 0; i < 40; ++i)
        REQUIRE(publisher->publish({ std::to_string(i), "jobs" }));
    REQUIRE(publisher->flush());
    auto const a = receive(*first, 40, 200ms);
    auto const b = receive(*second, 40, 200ms);
    CHECK(a.size() + b.size() == 40);
    CHECK_FALSE(a.empty());
    CHECK_FALSE(b.empty());
    std::set<std::string> all(a.begin(), a.end());
    all.insert(b.begin(), b.end());
    CHECK(all.size() == 40);
}

TEST_CASE("a run of lines arrives as messages, or as runs cut at --count", "[backend][pubsub]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    auto one_by_one = ipc::open_subscriber(backend.options(), ipc::parse_patterns({ "lines" }), {});
    auto in_runs = ipc::open_subscriber(backend.options(), ipc::parse_patterns({ "lines" }), {});
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher(backend.options(), {}, stop);
    REQUIRE(publisher->publish_run("lines", '\n', "a\nbb\n\nccc\n"));
    REQUIRE(publisher->flush());
    CHECK(receive(*one_by_one, 4)
        == std::vector<std::string> { "lines:a", "lines:bb", "lines:", "lines:ccc" });

    ipc::Stop limited({ .count = 3, .timeout = 2s });
    ipc::pubsub::Subscriber::Run run;
    std::string got;
    while (auto message = in_runs->receive_run(
               limited, [] {}, '\n', limited.remaining(), run)) {
        got += message->data;
        if (!run.run) // A backend without runs hands out one message at a time.
            got += '\n';
        limited.count(run.count);
    }
    CHECK(got == "a\nbb\n\n");
    CHECK(limited.counted() == 3);
}

TEST_CASE("each message reaches a subscriber with its own headers", "[backend][pubsub]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    auto subscriber = ipc::open_subscriber(backend.options(), ipc::parse_patterns({ "t.>" }), {});
    ipc::Stop stop({ .count = 6, .timeout = 2s });
    auto publisher = ipc::open_publisher(backend.options(), {}, stop);
    auto const a = ipc::test::header_block({ { "K", { "a" } } });
    auto const b = ipc::test::header_block({ { "K", { "b" } } });
    // Plain, then headers (a new frame), plain in that frame, another topic.
    std::vector<ipc::MessageView> const sent { { "1", "t.x" }, { "2", "t.x", 0, a }, { "3", "t.x" },
        { "4", "t.x", 0, b }, { "5", "t.y", 0, a }, { "6", "t.y" } };
    for (auto const& message : sent)
        REQUIRE(publisher->publish(message));
    REQUIRE(publisher->flush());
    for (auto const& expected : sent) {
        auto const got = subscriber->receive(stop, [] {});
        REQUIRE(got);
        CHECK(got->data == expected.data);
        CHECK(got->topic == expected.topic);
        CHECK(got->headers == expected.headers);
        stop.count_one();
    }
}
