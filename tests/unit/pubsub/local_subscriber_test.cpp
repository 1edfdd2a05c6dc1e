// The local subscriber's wait: what ends it besides a message.

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/pubsub/local_subscriber.hpp"

#include "support/runtime.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

using Runtime = ipc::test::Runtime;

ipc::pubsub::LocalSubscriber subscriber()
{
    return { ipc::parse_patterns({ "t" }), {} };
}

}

TEST_CASE("a signal ends a local subscriber's wait, and a later receive with another stop waits "
          "again",
    "[pubsub]")
{
    Runtime runtime;
    auto quiet = subscriber();
    {
        ipc::Stop stop({ .timeout = 10s });
        ::raise(SIGTERM); // Blocked by the Stop: it waits in the signalfd.
        CHECK_FALSE(quiet.receive(stop, [] {}));
        CHECK(stop.signal() == SIGTERM);
        CHECK_FALSE(stop.timed_out());
    }
    ipc::Stop stop({ .timeout = 50ms });
    CHECK_FALSE(quiet.receive(stop, [] {}));
    CHECK(stop.timed_out());
}

TEST_CASE("a local subscriber stops waiting when the reader of its output goes away", "[pubsub]")
{
    Runtime runtime;
    auto quiet = subscriber();
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    ipc::Fd read_end { ends[0] };
    ipc::Fd const write_end { ends[1] };
    ipc::Stop stop({ .timeout = 10s });
    stop.watch_output(write_end.get());
    bool idle = false;
    CHECK_FALSE(quiet.receive(stop, [&] {
        idle = true;
        read_end.reset(); // The reader goes while the subscriber would block.
    }));
    CHECK(idle);
    CHECK_FALSE(stop.timed_out());
}
