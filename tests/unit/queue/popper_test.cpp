#include "ipc/queue/popper.hpp"

#include "ipc/queue/sqlite_store.hpp"
#include "queue/state.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace {

// A queue "jobs" (on the real clock: pop renews by it) holding "1" .. "5".
struct Fixture {
    ipc::test::QueueDirs dirs;
    std::unique_ptr<ipc::queue::Queue> queue = ipc::queue::open_sqlite("jobs");

    Fixture()
    {
        queue->begin({});
        for (char const* item : { "1", "2", "3", "4", "5" })
            queue->add(item, {});
        queue->commit(ipc::queue::End::Batch);
    }

    std::vector<std::string> ready()
    {
        std::vector<std::string> out;
        for (auto const& item : queue->peek(10))
            out.push_back(item.data);
        return out;
    }
};

// Writes to a pipe whose reader left fail with EPIPE, as in the tools.
struct IgnoreSigpipe {
    void (*old)(int) = std::signal(SIGPIPE, SIG_IGN);
    ~IgnoreSigpipe() { std::signal(SIGPIPE, old); }
};

}

TEST_CASE("into a pipe, pop removes the items its reader took and gives back the rest", "[queue]")
{
    Fixture fixture;
    IgnoreSigpipe ignore;
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    std::string got;
    std::thread reader([&] { // Takes four bytes, "1\n2\n", one at a time, and leaves.
        char byte;
        while (got.size() < 4 && ::read(ends[0], &byte, 1) == 1)
            got += byte;
        ::close(ends[0]);
    });
    ipc::queue::Popper popper(*fixture.queue, "jobs", { .output_fd = ends[1] });
    try {
        CHECK(popper.run() == ipc::Exit::Ok); // Its reader left while it waited.
    } catch (ipc::StdoutClosed const&) { // Its reader left while it wrote.
    }
    reader.join();
    ::close(ends[1]);
    CHECK(got == "1\n2\n");
    CHECK(popper.taken() == 2);
    CHECK(fixture.ready() == std::vector<std::string> { "3", "4", "5" });
    CHECK(fixture.queue->stats().leased == 0);
}

TEST_CASE("into a file, pop removes what it wrote, up to its count", "[queue]")
{
    Fixture fixture;
    auto const path = fixture.dirs.temp / "out";
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    ipc::queue::Popper popper(
        *fixture.queue, "jobs", { .limits = { .count = 3 }, .output_fd = fd });
    CHECK(popper.run() == ipc::Exit::Ok);
    ::close(fd);
    CHECK(popper.taken() == 3);
    CHECK(fixture.ready() == std::vector<std::string> { "4", "5" });
    CHECK(fixture.queue->stats().leased == 0);
}

TEST_CASE("a write that fails half-way through a batch gives back the whole batch", "[queue]")
{
    Fixture fixture;
    IgnoreSigpipe ignore;
    fixture.queue->begin({});
    for (int i = 0; i < 995; ++i)
        fixture.queue->add(std::string(300, 'x'), {}); // 300 KB: written in several goes.
    fixture.queue->commit(ipc::queue::End::Batch);
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    ::close(ends[0]); // The reader is gone before the first write.
    ipc::queue::Popper popper(*fixture.queue, "jobs", { .output_fd = ends[1] });
    CHECK_THROWS_AS(popper.run(), ipc::StdoutClosed);
    ::close(ends[1]);
    CHECK(popper.taken() == 0);
    auto const stats = fixture.queue->stats();
    CHECK(stats.ready == 1000);
    CHECK(stats.leased == 0); // The items not written yet went back too.
}
