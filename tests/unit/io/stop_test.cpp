#include "ipc/io/stop.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <poll.h>

using namespace std::chrono_literals;

TEST_CASE("a stop without limits never ends by itself", "[io]")
{
    ipc::Stop stop({});
    for (int i = 0; i < 1000; ++i)
        stop.count_one();
    CHECK_FALSE(stop.done());
    CHECK(stop.wait_ms() == -1);
    CHECK(stop.exit() == ipc::Exit::Ok);
}

TEST_CASE("a stop ends after --count messages", "[io]")
{
    ipc::Stop stop({ .count = 3 });
    stop.count_one();
    stop.count_one();
    CHECK_FALSE(stop.count_reached());
    CHECK_FALSE(stop.done());
    stop.count_one();
    CHECK(stop.count_reached());
    CHECK(stop.done());
    CHECK(stop.exit() == ipc::Exit::Ok);
}

TEST_CASE("a stop times out with exit 124 once --timeout has passed", "[io]")
{
    ipc::Stop stop({ .timeout = 20ms });
    CHECK_FALSE(stop.done());
    CHECK(stop.wait_ms() > 0);
    CHECK(stop.wait_ms() <= 20);
    ::poll(nullptr, 0, stop.wait_ms());
    CHECK(stop.done());
    CHECK(stop.exit() == ipc::Exit::Timeout);
}

TEST_CASE("an idle stop ends with exit 0 when no message came for --idle", "[io]")
{
    ipc::Stop stop({ .idle = 20ms });
    ::poll(nullptr, 0, 10);
    stop.count_one(); // Resets the idle clock.
    CHECK_FALSE(stop.done());
    ::poll(nullptr, 0, stop.wait_ms());
    CHECK(stop.done());
    CHECK(stop.exit() == ipc::Exit::Ok);
}

TEST_CASE("SIGTERM reaches a stop through its signalfd, not a handler", "[io]")
{
    ipc::Stop stop({});
    ::raise(SIGTERM); // Blocked: queued for the signalfd instead of killing the test.
    pollfd wait { stop.signal_fd(), POLLIN, 0 };
    REQUIRE(::poll(&wait, 1, 1000) == 1);
    stop.check_signal();
    CHECK(stop.done());
    CHECK(stop.signal() == SIGTERM);
    CHECK(stop.exit() == ipc::Exit::Ok);
    CHECK(stop.interrupted_exit() == ipc::Exit::Terminated);
}

TEST_CASE("a stop's sleep returns early when SIGINT arrives", "[io]")
{
    ipc::Stop stop({});
    ::raise(SIGINT);
    auto const start = std::chrono::steady_clock::now();
    CHECK_FALSE(stop.sleep(10s));
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(stop.interrupted_exit() == ipc::Exit::Interrupted);
}

TEST_CASE("--timeout still runs out after --count was reached, for work past the count", "[io]")
{
    ipc::Stop stop({ .count = 1, .timeout = 20ms });
    stop.count_one();
    CHECK(stop.done());
    CHECK_FALSE(stop.timed_out());
    CHECK(stop.exit() == ipc::Exit::Ok);
    CHECK(stop.timeout_ms() > 0);
    CHECK(stop.timeout_ms() <= 20);
    ::poll(nullptr, 0, stop.timeout_ms());
    CHECK(stop.timeout_ms() == 0);
    CHECK(stop.timed_out());
    CHECK(stop.exit() == ipc::Exit::Timeout);
    CHECK(ipc::Stop({}).timeout_ms() == -1);
}
