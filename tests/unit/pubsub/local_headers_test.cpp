// Headers through the local backend: they travel in MessagesWithHeaders
// frames, and the messages around them keep theirs, or none.

#include "ipc/backend.hpp"
#include "ipc/core/headers.hpp"

#include "support/runtime.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace {

std::string block(std::string_view key, std::string_view value)
{
    ipc::HeadersBuilder builder;
    builder.add_key(key);
    builder.add_value(value);
    std::string error;
    auto encoded = builder.finish(error);
    REQUIRE(encoded);
    return *encoded;
}

}

TEST_CASE("each message reaches a local subscriber with its own headers", "[pubsub]")
{
    ipc::test::Runtime runtime;
    auto subscriber = ipc::open_subscriber(ipc::parse_patterns({ "t.>" }), {});
    ipc::Stop stop({ .count = 6, .timeout = 2s });
    auto publisher = ipc::open_publisher({}, stop);
    auto const a = block("K", "a");
    auto const b = block("K", "b");
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
