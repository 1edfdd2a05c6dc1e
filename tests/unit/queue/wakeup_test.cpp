#include "ipc/queue/wakeup.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <poll.h>

namespace {

bool readable(int fd, int timeout_ms)
{
    pollfd entry { fd, POLLIN, 0 };
    return ::poll(&entry, 1, timeout_ms) == 1;
}

}

TEST_CASE("a ring wakes every waiter of that queue and no other", "[queue]")
{
    ipc::test::TempDir temp;
    ::setenv("IPC_DIR", (temp / "run").c_str(), 1);
    {
        ipc::queue::Doorbell first("jobs");
        ipc::queue::Doorbell second("jobs");
        ipc::queue::Doorbell other("other");
        CHECK_FALSE(readable(first.fd(), 0));
        ipc::queue::ring("jobs");
        CHECK(readable(first.fd(), 1000));
        CHECK(readable(second.fd(), 1000));
        CHECK_FALSE(readable(other.fd(), 0));
        first.rearm();
        CHECK_FALSE(readable(first.fd(), 0));
    }
    ipc::queue::ring("jobs"); // No waiters left: nothing to do, no error.
    ipc::queue::ring("never");
    ::unsetenv("IPC_DIR");
}
