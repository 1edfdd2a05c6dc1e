// The listings of what runs now (ipc/listing.hpp, backend.hpp): their lines
// (pure), and what each backend tells.

#include "ipc/backend.hpp"
#include "ipc/listing.hpp"
#include "ipc/pubsub/retain.hpp"

#include "backend/backend.hpp"
#include "support/reqrep.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

namespace {

constexpr std::int64_t second = 1'000'000'000;
constexpr std::int64_t now = 1'800'000'000 * second;

}

TEST_CASE("a subscriber takes a table row per pattern and one JSON object", "[listing]")
{
    std::vector<ipc::pubsub::SubscriberInfo> const subscribers {
        { { "news.>", "logs.*" }, "", 4242, 1000, now - 90 * second, "unix:/run/sub/4242-a.sock" },
        { { "jobs" }, "workers", 0, std::nullopt, 0, "" },
    };
    CHECK(ipc::subscriber_lines(subscribers, ipc::ListFormat::Table, now)
        == std::vector<std::string> {
            "PATTERN  GROUP     PID   UID  AGE",
            "news.>   -        4242  1000  90s",
            "logs.*   -        4242  1000  90s",
            "jobs     workers     -     -  -",
        });
    CHECK(ipc::subscriber_lines(subscribers, ipc::ListFormat::Json, now)
        == std::vector<std::string> {
            R"({"patterns":["news.>","logs.*"],"group":null,"pid":4242,"uid":1000,)"
            R"("since":"2027-01-15T07:58:30.000000Z","age":90,"address":"unix:/run/sub/4242-a.sock"})",
            R"({"patterns":["jobs"],"group":"workers","pid":null,"uid":null,"since":null,)"
            R"("age":null,"address":null})",
        });
}

TEST_CASE("a server's row shows its requests served", "[listing]")
{
    std::vector<ipc::reqrep::ServerInfo> const servers {
        { "calc", 7, 1000, now - 3 * 3600 * second, 12, "unix:/run/svc/calc/7-b.sock" },
        { "calc", 8, 1000, now, std::nullopt, "" },
    };
    CHECK(ipc::server_lines(servers, ipc::ListFormat::Table, now)
        == std::vector<std::string> {
            "NAME  PID   UID  AGE  SERVED  ADDRESS",
            "calc    7  1000  3h       12  unix:/run/svc/calc/7-b.sock",
            "calc    8  1000  0s        -  -",
        });
    CHECK(ipc::server_lines(servers, ipc::ListFormat::Json, now).front()
        == R"({"name":"calc","pid":7,"uid":1000,"since":"2027-01-15T05:00:00.000000Z","age":10800,)"
           R"("served":12,"address":"unix:/run/svc/calc/7-b.sock"})");
}

TEST_CASE("a retained topic's row shows its size and age", "[listing]")
{
    std::vector<ipc::pubsub::RetainedInfo> const topics { { "sensors.temp", 4, now - 2 * second } };
    CHECK(ipc::retained_lines(topics, ipc::ListFormat::Table, now)
        == std::vector<std::string> { "TOPIC         SIZE  AGE", "sensors.temp     4  2s" });
    CHECK(ipc::retained_lines(topics, ipc::ListFormat::Json, now)
        == std::vector<std::string> {
            R"({"topic":"sensors.temp","size":4,"time":"2027-01-15T07:59:58.000000Z","age":2})" });
    CHECK(ipc::retained_lines({}, ipc::ListFormat::Json, now).empty());
}

TEST_CASE("the subscribers listed are the live ones, those of a topic the ones it reaches",
    "[backend][listing]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    CHECK(ipc::list_subscribers(backend.options(), std::nullopt).empty());
    auto const before = ipc::now_ns();
    auto news = ipc::open_subscriber(backend.options(), ipc::parse_patterns({ "news.>", "b" }), {});
    auto jobs = ipc::open_subscriber(
        backend.options(), ipc::parse_patterns({ "jobs" }), { .group = "workers" });
    auto const all = ipc::list_subscribers(backend.options(), std::nullopt);
    REQUIRE(all.size() == 2); // By first pattern.
    CHECK(all[0].patterns == std::vector<std::string> { "jobs" });
    CHECK(all[0].group == "workers");
    CHECK(all[1].patterns == std::vector<std::string> { "news.>", "b" });
    CHECK(all[1].group.empty());
    CHECK(all[1].pid == ::getpid());
    CHECK(all[1].uid == static_cast<std::int64_t>(::getuid()));
    CHECK(all[1].since_ns >= before);
    auto const reached = ipc::list_subscribers(backend.options(), "news.today");
    REQUIRE(reached.size() == 1);
    CHECK(reached[0].patterns == all[1].patterns);
    CHECK(ipc::list_subscribers(backend.options(), "nobody").empty());
    jobs.reset();
    CHECK(ipc::list_subscribers(backend.options(), std::nullopt).size() == 1);
}

TEST_CASE("the servers listed count the requests they answered", "[backend][listing]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    CHECK(ipc::list_servers(backend.options(), "").empty());
    ipc::test::Served served("calc", { .command = { "cat" }, .pipe = true }, 3, backend.options());
    auto servers = ipc::list_servers(backend.options(), "calc");
    REQUIRE(servers.size() == 1);
    CHECK(servers[0].name == "calc");
    CHECK(servers[0].pid == ::getpid());
    CHECK(servers[0].served == 0);
    ipc::test::ask("calc", { "a", "b" }, 0, backend.options());
    servers = ipc::list_servers(backend.options(), "");
    REQUIRE(servers.size() == 1);
    CHECK(servers[0].served == 2);
    CHECK(ipc::list_servers(backend.options(), "other").empty());
}

TEST_CASE("the retained topics listed are those a pattern matches, by topic", "[backend][listing]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::pubsub_backends()));
    CHECK(ipc::list_retained(backend.options(), std::nullopt).empty());
    ipc::Stop stop({});
    auto publisher = ipc::open_publisher(backend.options(), { .retain = true }, stop);
    REQUIRE(publisher->publish({ "21.5", "sensors.temp" }));
    REQUIRE(publisher->publish({ "open", "sensors.door" }));
    REQUIRE(publisher->publish({ "ok", "status" }));
    REQUIRE(publisher->finish());
    auto const all = ipc::list_retained(backend.options(), std::nullopt);
    REQUIRE(all.size() == 3);
    CHECK(all[0].topic == "sensors.door");
    CHECK(all[1].topic == "sensors.temp");
    CHECK(all[1].size == 4);
    CHECK(all[1].time_ns > 0);
    auto const sensors
        = ipc::list_retained(backend.options(), ipc::parse_patterns({ "sensors.*" })[0]);
    CHECK(sensors.size() == 2);
}
