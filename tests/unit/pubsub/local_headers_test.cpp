// Headers through the local backend: they travel in MessagesWithHeaders
// frames, and the messages around them keep theirs, or none.

#include "ipc/backend.hpp"

#include "support/headers.hpp"
#include "support/runtime.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

TEST_CASE("each message reaches a local subscriber with its own headers", "[pubsub]")
{
    ipc::test::Runtime runtime;
    auto subscriber = ipc::open_subscriber(ipc::parse_patterns({ "t.>" }), {});
    ipc::Stop stop({ .count = 6, .timeout = 2s });
    auto publisher = ipc::open_publisher({}, stop);
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
