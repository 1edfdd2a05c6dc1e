#include "ipc/backend.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/pubsub/local_registry.hpp"
#include "ipc/pubsub/retain.hpp"
#include "ipc/wire/encoder.hpp"

#include "support/receive.hpp"
#include "support/runtime.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

using Runtime = ipc::test::Runtime;

std::vector<ipc::Pattern> patterns(std::vector<std::string> const& texts)
{
    return ipc::parse_patterns(texts);
}

using ipc::test::receive;

}

TEST_CASE(
    "a subscriber registers its patterns before its socket and removes both at exit", "[pubsub]")
{
    Runtime runtime;
    std::string id;
    {
        auto subscriber = ipc::open_subscriber(patterns({ "a.>", "b" }), {});
        ipc::pubsub::LocalRegistry registry;
        auto const listed = registry.list();
        REQUIRE(listed.size() == 1);
        id = listed[0].id;
        CHECK(listed[0].matches("a.x.y"));
        CHECK(listed[0].matches("b"));
        CHECK_FALSE(listed[0].matches("c"));
        struct stat info { };
        CHECK(::stat((registry.path() + "/" + id + ".sock").c_str(), &info) == 0);
    }
    ipc::pubsub::LocalRegistry registry;
    CHECK(registry.list().empty());
    struct stat info { };
    CHECK(::stat((registry.path() + "/" + id + ".pat").c_str(), &info) != 0);
}

TEST_CASE("a publisher removes the registration of a subscriber that died", "[pubsub]")
{
    Runtime runtime;
    ipc::pubsub::LocalRegistry registry;
    ipc::pubsub::Registration dead { "dead-1", patterns({ "t" }), {} };
    registry.add(dead); // The listener is closed at once, as if its process was killed.
    REQUIRE(registry.list().size() == 1);
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher({}, stop);
    REQUIRE(publisher->publish({ "hello", "t" }));
    REQUIRE(publisher->flush());
    CHECK(registry.list().empty());
    CHECK(std::filesystem::is_empty(registry.path())); // Its index links too.
}

TEST_CASE("registrations are filed under the index keys a publisher of a topic reads", "[pubsub]")
{
    ipc::pubsub::Registration const registration { "r",
        patterns({ "a.b", "a.*", "a.b", "*.x", ">", "b.>", "a.>" }), "g" };
    CHECK(ipc::pubsub::index_keys(registration)
        == std::vector<std::string> { "topic/a.b", "prefix/a", "any", "prefix/b" });
    CHECK(ipc::pubsub::index_keys("a.b.c")
        == std::vector<std::string> { "topic/a.b.c", "prefix/a", "any" });
    CHECK(
        ipc::pubsub::index_keys("a") == std::vector<std::string> { "topic/a", "prefix/a", "any" });
}

TEST_CASE(
    "a publisher reads no registration of the subscribers that cannot match its topic", "[pubsub]")
{
    Runtime runtime;
    std::vector<std::unique_ptr<ipc::pubsub::Subscriber>> others;
    for (int i = 0; i < 40; ++i)
        others.push_back(ipc::open_subscriber(
            patterns({ fmt::format("other.{}", i), fmt::format("t.{}", i), "u.>" }), {}));
    std::vector<std::unique_ptr<ipc::pubsub::Subscriber>> matching;
    for (auto const* pattern : { "t.x", "t.*", "*.x", ">", "t.>" })
        matching.push_back(ipc::open_subscriber(patterns({ pattern }), {}));
    auto member = ipc::open_subscriber(patterns({ "t.x" }), { .group = "g" });

    // Every open of a .pat in sub/, or of anything filed under the others' keys.
    ipc::pubsub::LocalRegistry registry;
    ipc::Fd const watch { ipc::sys::check(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify") };
    std::map<int, std::string> watched;
    auto add_watch = [&](std::string const& relative) {
        auto const path = registry.path() + "/" + relative;
        watched[ipc::sys::check(
            ::inotify_add_watch(watch.get(), path.c_str(), IN_OPEN), "inotify_add_watch", path)]
            = relative;
    };
    add_watch(".");
    for (int i = 0; i < 40; ++i) {
        add_watch(fmt::format("topic/other.{}", i));
        add_watch(fmt::format("topic/t.{}", i));
    }
    add_watch("prefix/u");

    ipc::Stop stop({});
    auto publisher = ipc::open_publisher({}, stop);
    REQUIRE(publisher->publish({ "m", "t.x" }));
    REQUIRE(publisher->finish());

    std::vector<std::string> opened;
    alignas(inotify_event) char buffer[64 * 1024];
    ssize_t count = 0;
    while ((count = ::read(watch.get(), buffer, sizeof buffer)) > 0)
        for (ssize_t at = 0; at < count;) {
            auto const* event = reinterpret_cast<inotify_event const*>(buffer + at);
            std::string const name = event->len > 0 ? event->name : "";
            auto const& where = watched[event->wd];
            if (where != "." || name.ends_with(".pat"))
                opened.push_back(where + "/" + name);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    CHECK(opened.empty());

    for (auto& subscriber : matching)
        CHECK(receive(*subscriber, 1) == std::vector<std::string> { "t.x:m" });
    CHECK(receive(*member, 1) == std::vector<std::string> { "t.x:m" });
    CHECK(receive(*others[0], 1, 200ms).empty());
}

TEST_CASE("waiting for subscribers times out with exit 124", "[pubsub]")
{
    Runtime runtime;
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher({ .timeout = 50ms }, stop);
    try {
        publisher->wait_for_subscribers("t", 1);
        FAIL("no timeout");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Timeout);
    }
    auto subscriber = ipc::open_subscriber(patterns({ "t" }), {});
    CHECK(publisher->wait_for_subscribers("t", 1));
}

TEST_CASE("a retained message is shown first to a later subscriber", "[pubsub]")
{
    Runtime runtime;
    {
        ipc::Stop stop({});
        auto publisher = ipc::open_publisher({ .retain = true }, stop);
        REQUIRE(publisher->publish({ "old", "state.a" }));
        REQUIRE(publisher->publish({ "new", "state.a" }));
        REQUIRE(publisher->publish({ "b", "state.b" }));
        REQUIRE(publisher->flush());
    }
    auto subscriber = ipc::open_subscriber(patterns({ "state.a" }), {});
    CHECK(receive(*subscriber, 1) == std::vector<std::string> { "state.a:new" });
    auto quiet = ipc::open_subscriber(patterns({ "state.a" }), { .retained = false });
    ipc::Stop stop({ .timeout = 20ms });
    CHECK_FALSE(quiet->receive(stop, [] {}));
}

TEST_CASE("an empty retained message deletes the topic's retained message", "[pubsub]")
{
    Runtime runtime;
    ipc::pubsub::store_retained({ "open", "state.a", 0 });
    ipc::pubsub::store_retained({ "on", "state.b", 0 });
    ipc::pubsub::store_retained({ "", "state.a", 0 });
    ipc::pubsub::store_retained({ "", "state.never", 0 }); // Nothing to delete: no error.
    auto const loaded = ipc::pubsub::load_retained(patterns({ "state.*" }));
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0].topic == "state.b");
    CHECK(loaded[0].data == "on");
}

namespace {

// Message i of a flood: its number, padded to size bytes.
std::string numbered(int i, std::size_t size)
{
    auto text = std::to_string(i);
    text.resize(size, ' ');
    return text;
}

// Receives count messages (each numbered()) within 10 s and checks that
// their numbers only go up: a subsequence of what was published, in order.
std::uint64_t receive_in_order(
    ipc::pubsub::Subscriber& subscriber, std::uint64_t count, ipc::Duration timeout, long& last)
{
    ipc::Stop stop({ .count = count, .timeout = timeout });
    while (auto message = subscriber.receive(stop, [] {})) {
        long const number = std::stol(std::string(message->data));
        CHECK(number > last);
        last = number;
        stop.count_one();
    }
    return stop.counted();
}

}

TEST_CASE("under --drop a subscriber gets a well-formed stream of exactly the messages not "
          "counted as dropped",
    "[pubsub]")
{
    // One that never reads: the frame it took part of when the publisher gave
    // up at the end counts too. One that reads a little now and then: frames
    // are often half written when the publisher drops.
    auto const [size, count, reads] = GENERATE(
        table<std::size_t, int, std::uint64_t>({ { 1000, 20000, 0 }, { 100, 200000, 300 } }));
    CAPTURE(size, count, reads);
    Runtime runtime;
    auto subscriber = ipc::open_subscriber(patterns({ "flood" }), {});
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher({ .overflow = ipc::pubsub::Overflow::Drop }, stop);
    long last = -1;
    std::uint64_t received = 0;
    for (int i = 0; i < count; ++i) {
        REQUIRE(publisher->publish({ numbered(i, size), "flood" }));
        if (reads > 0 && i % 1000 == 999)
            received += receive_in_order(*subscriber, reads, 10ms, last);
    }
    REQUIRE(publisher->finish()); // Gives up on it after a second, mid-frame.
    auto const drops = publisher->drops();
    REQUIRE(drops.size() == 1);
    CHECK(drops[0].subscriber == "pid " + std::to_string(::getpid()));
    CHECK(drops[0].dropped > 0);
    CHECK(drops[0].delivered + drops[0].dropped == static_cast<std::uint64_t>(count));
    publisher.reset(); // Hangs up: the subscriber reads what is left, to the end.
    REQUIRE(received <= drops[0].delivered);
    auto const rest = drops[0].delivered - received;
    CHECK(receive_in_order(*subscriber, rest, 10s, last) == rest);
    CHECK(receive_in_order(*subscriber, 1, 200ms, last) == 0);
}

TEST_CASE("a frame over the size limit closes that publisher only", "[pubsub]")
{
    Runtime runtime;
    auto subscriber = ipc::open_subscriber(patterns({ "t" }), { .max_size = 1024 });
    ipc::pubsub::LocalRegistry registry;
    auto const id = registry.list().at(0).id;
    int error = 0;
    auto raw
        = ipc::io::try_connect_unix(registry.dir_fd(), id + ".sock", ipc::io::Blocking::Yes, error);
    REQUIRE(raw);
    std::string bytes;
    ipc::wire::append_hello(bytes, ipc::wire::Role::Publisher);
    bytes += std::string("\x7f\xff\xff\xff", 4); // A 2 GiB frame announced.
    REQUIRE(ipc::sys::write_all(raw->get(), bytes));
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher({}, stop);
    REQUIRE(publisher->publish({ "fine", "t" }));
    REQUIRE(publisher->flush());
    CHECK(receive(*subscriber, 1) == std::vector<std::string> { "t:fine" });
}

TEST_CASE("topics under _IPC match only patterns that name _IPC", "[pubsub]")
{
    ipc::pubsub::Registration const catch_all { "1", ipc::parse_patterns({ ">" }), "" };
    ipc::pubsub::Registration const taps { "2", ipc::parse_patterns({ "_IPC.tap.>" }), "" };
    ipc::pubsub::Registration const one_token { "3", ipc::parse_patterns({ "*.tap.calc" }), "" };
    CHECK_FALSE(catch_all.matches("_IPC.tap.calc"));
    CHECK_FALSE(one_token.matches("_IPC.tap.calc"));
    CHECK(taps.matches("_IPC.tap.calc"));
    CHECK(catch_all.matches("_IPCX.tap.calc")); // Only the token _IPC is reserved.
}
