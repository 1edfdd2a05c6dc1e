#include "ipc/io/loop.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/io/stop.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using ipc::io::Loop;

namespace {

struct Pipe {
    ipc::Fd read, write;
    Pipe()
    {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
        read.reset(fds[0]);
        write.reset(fds[1]);
    }
    void put() { REQUIRE(::write(write.get(), "x", 1) == 1); }
};

}

TEST_CASE("a loop with nothing ready times out at its deadline, not before", "[io]")
{
    Loop loop;
    Pipe pipe;
    int calls = 0;
    loop.add(pipe.read.get(), EPOLLIN, [&](std::uint32_t) { ++calls; });
    auto const start = std::chrono::steady_clock::now();
    CHECK(loop.run_once(start + 30ms) == Loop::Result::Timeout);
    CHECK(std::chrono::steady_clock::now() - start >= 30ms);
    CHECK(loop.run_until(std::chrono::steady_clock::now(), [] { return false; })
        == Loop::Result::Timeout);
    CHECK(calls == 0);
}

TEST_CASE("a loop runs the handler of a ready fd with its events", "[io]")
{
    Loop loop;
    Pipe pipe;
    std::uint32_t seen = 0;
    loop.add(pipe.read.get(), EPOLLIN, [&](std::uint32_t events) { seen = events; });
    pipe.put();
    CHECK(loop.run_once(std::chrono::steady_clock::now() + 10s) == Loop::Result::Ready);
    CHECK((seen & EPOLLIN) != 0);

    loop.modify(pipe.read.get(), 0); // Still readable, but no longer asked for.
    seen = 0;
    CHECK(loop.run_once(std::chrono::steady_clock::now()) == Loop::Result::Timeout);
    CHECK(seen == 0);
}

TEST_CASE("a foreign eventfd written from another thread wakes the loop", "[io]")
{
    Loop loop;
    ipc::Fd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    REQUIRE(event);
    std::uint64_t got = 0;
    loop.add(event.get(), EPOLLIN,
        [&](std::uint32_t) { REQUIRE(::read(event.get(), &got, sizeof(got)) == sizeof(got)); });
    std::thread writer([&] {
        std::this_thread::sleep_for(20ms); // Let the loop block first; not a synchronisation.
        std::uint64_t const value = 7;
        (void)::write(event.get(), &value, sizeof(value));
    });
    auto const result
        = loop.run_until(std::chrono::steady_clock::now() + 10s, [&] { return got != 0; });
    writer.join();
    CHECK(result == Loop::Result::Ready);
    CHECK(got == 7);
}

TEST_CASE("a signal ends a loop's wait with Stopped and is recorded in the stop", "[io]")
{
    ipc::Stop stop({});
    Loop loop(stop);
    ::raise(SIGTERM); // Blocked by the stop: queued for its signalfd.
    CHECK(loop.run_until(std::nullopt, [] { return false; }) == Loop::Result::Stopped);
    CHECK(stop.signal() == SIGTERM);
    CHECK(stop.done());
}

TEST_CASE("a handler that removes fds keeps their pending events from running", "[io]")
{
    Loop loop;
    Pipe first, second;
    int calls = 0;
    auto remove_both = [&](std::uint32_t) {
        ++calls;
        loop.remove(first.read.get()); // Itself or the other: both are ready.
        loop.remove(second.read.get());
    };
    loop.add(first.read.get(), EPOLLIN, remove_both);
    loop.add(second.read.get(), EPOLLIN, remove_both);
    first.put();
    second.put();
    CHECK(loop.run_once(std::chrono::steady_clock::now() + 10s) == Loop::Result::Ready);
    CHECK(calls == 1);
    CHECK_FALSE(loop.contains(first.read.get()));
    CHECK(loop.run_once(std::chrono::steady_clock::now()) == Loop::Result::Timeout);
    CHECK(calls == 1);

    // Added again, an fd takes a new handler.
    int again = 0;
    loop.add(first.read.get(), EPOLLIN, [&](std::uint32_t) { ++again; });
    CHECK(loop.run_once(std::chrono::steady_clock::now() + 10s) == Loop::Result::Ready);
    CHECK(again == 1);
    CHECK(calls == 1);
}

TEST_CASE("a regular file, which epoll cannot watch, is always ready as poll says", "[io]")
{
    Loop loop;
    ipc::Fd file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    int calls = 0;
    loop.add(file.get(), EPOLLIN, [&](std::uint32_t events) { calls += (events & EPOLLIN) != 0; });
    CHECK(loop.run_once(std::nullopt) == Loop::Result::Ready);
    CHECK(calls == 1);
    loop.modify(file.get(), 0);
    CHECK(loop.run_once(std::chrono::steady_clock::now()) == Loop::Result::Timeout);
    CHECK(calls == 1);
}

TEST_CASE("try_add refuses a regular file and leaves it out, and adds a pipe", "[io]")
{
    Loop loop;
    ipc::Fd file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    int calls = 0;
    CHECK_FALSE(loop.try_add(file.get(), EPOLLIN, [&](std::uint32_t) { ++calls; }));
    CHECK_FALSE(loop.contains(file.get()));
    CHECK(loop.run_once(std::chrono::steady_clock::now()) == Loop::Result::Timeout);
    CHECK(calls == 0);
    Pipe pipe;
    CHECK(loop.try_add(pipe.read.get(), EPOLLIN, [&](std::uint32_t) { ++calls; }));
    REQUIRE(::write(pipe.write.get(), "x", 1) == 1);
    CHECK(loop.run_once(std::nullopt) == Loop::Result::Ready);
    CHECK(calls == 1);
}
