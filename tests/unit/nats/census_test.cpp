#include "ipc/nats/census_text.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

TEST_CASE("a census answer carries the subscriber's patterns, group, pid, uid and start", "[nats]")
{
    auto const answer = ipc::nats::encode_census_answer(
        "0123456789abcdef", ipc::parse_patterns({ "news.>", "b" }), "workers", 1234);
    CHECK(answer.starts_with("0123456789abcdef\n"));
    auto const info = ipc::nats::decode_census_answer(answer);
    REQUIRE(info);
    CHECK(info->patterns == std::vector<std::string> { "news.>", "b" });
    CHECK(info->group == "workers");
    CHECK(info->pid == ::getpid());
    CHECK(info->uid == static_cast<std::int64_t>(::getuid()));
    CHECK(info->since_ns == 1234);
}

TEST_CASE("an id alone is an older subscriber's answer; junk is none", "[nats]")
{
    auto const old = ipc::nats::decode_census_answer("0123456789abcdef");
    REQUIRE(old);
    CHECK(old->patterns.empty());
    CHECK(old->pid == 0);
    CHECK_FALSE(ipc::nats::decode_census_answer("id\nnot a registration\n"));
    CHECK_FALSE(ipc::nats::decode_census_answer("id\nipc-sub 1\npattern a..b\n"));
}

TEST_CASE("a server's census answer round-trips; one without a name is none", "[nats]")
{
    ipc::reqrep::ServerInfo const server {
        .name = "calc", .pid = 42, .uid = 1000, .since_ns = 77, .served = 12
    };
    auto const decoded
        = ipc::nats::decode_server_answer(ipc::nats::encode_server_answer("ab", server));
    REQUIRE(decoded);
    CHECK(decoded->name == "calc");
    CHECK(decoded->pid == 42);
    CHECK(decoded->uid == 1000);
    CHECK(decoded->since_ns == 77);
    CHECK(decoded->served == 12);
    CHECK(decoded->address.empty());
    CHECK_FALSE(ipc::nats::decode_server_answer("ipc-serve 1\npid 42\n"));
    CHECK_FALSE(ipc::nats::decode_server_answer("ipc-serve 1\nname ../x\n"));
    CHECK_FALSE(ipc::nats::decode_server_answer("0123456789abcdef"));
}
