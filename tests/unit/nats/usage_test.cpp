// Built with and without cnats: usage is refused the same in both builds.

#include "ipc/nats/usage.hpp"

#include "ipc/core/error.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace {

ipc::Exit exit_of(auto const& options)
{
    try {
        ipc::nats::check_usage(options);
    } catch (ipc::Error const& e) {
        return e.exit();
    }
    return ipc::Exit::Ok;
}

}

TEST_CASE("on NATS, --retries without -t and socket addresses are usage errors", "[nats]")
{
    ipc::reqrep::ClientOptions client { .address = ipc::parse_address("calc") };
    CHECK(exit_of(client) == ipc::Exit::Ok);
    client.retries = 3;
    CHECK(exit_of(client) == ipc::Exit::Usage);
    client.timeout = 2s;
    CHECK(exit_of(client) == ipc::Exit::Ok);
    client.address = ipc::parse_address("unix:/tmp/calc.sock");
    CHECK(exit_of(client) == ipc::Exit::Usage);

    ipc::reqrep::ServerOptions server { .address = ipc::parse_address("tcp://127.0.0.1:7000") };
    CHECK(exit_of(server) == ipc::Exit::Usage);
}

TEST_CASE("on NATS, --allow-uid and --allow-group are usage errors", "[nats]")
{
    ipc::reqrep::ServerOptions server { .address = ipc::parse_address("calc") };
    CHECK(exit_of(server) == ipc::Exit::Ok);
    server.access.uids.push_back(0);
    CHECK(exit_of(server) == ipc::Exit::Usage);
    ipc::pubsub::SubscribeOptions subscriber;
    CHECK(exit_of(subscriber) == ipc::Exit::Ok);
    subscriber.access.gids.push_back(0);
    CHECK(exit_of(subscriber) == ipc::Exit::Usage);
}

TEST_CASE("on NATS, --session is a usage error", "[nats]")
{
    ipc::reqrep::ServerOptions const server { .address = ipc::parse_address("calc") };
    CHECK_NOTHROW(ipc::nats::check_usage(server, { .command = { "bc" }, .pipe = true }));
    CHECK_THROWS_AS(
        ipc::nats::check_usage(server, { .command = { "bc" }, .session = true }), ipc::Error);
}
