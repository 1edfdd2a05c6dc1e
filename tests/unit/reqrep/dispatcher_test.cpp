#include "ipc/reqrep/dispatcher.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/io/stop.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <sys/eventfd.h>
#include <vector>

using ipc::reqrep::Dispatcher;
using ipc::reqrep::Job;

namespace {

// Answers every request on the tick after it came, unless told to hold them.
class FakeHandler final : public ipc::reqrep::Handler {
public:
    std::size_t room = 100; // full() once this many are held.
    bool answer = true;
    bool finish = false;
    int drains = 0;
    int ending_rounds = 0; // ending() stays true for this many ticks after drain().

    void attach(ipc::io::Loop&, ipc::reqrep::ReplyFn reply) override { m_reply = std::move(reply); }
    void submit(Job const& job, std::string_view data) override
    {
        m_held.push_back({ job, std::string(data) });
    }
    bool full() const override { return m_held.size() >= room; }
    std::size_t in_flight() const override { return m_held.size(); }
    void tick() override
    {
        if (drains > 0 && ending_rounds > 0)
            --ending_rounds;
        for (; answer && !m_held.empty(); m_held.erase(m_held.begin()))
            m_reply(
                m_held.front().first, ipc::wire::ReplyStatus::Ok, "re:" + m_held.front().second);
    }
    std::optional<ipc::Deadline> deadline() const override
    {
        // Work to do: come back at once (no fds in these tests to wake the loop).
        return (answer && !m_held.empty()) || ending()
            ? std::optional(std::chrono::steady_clock::now())
            : std::nullopt;
    }
    void cancel(std::uint64_t) override { }
    bool finished() const override { return finish; }
    void drain() override { ++drains; }
    bool ending() const override { return drains > 0 && ending_rounds > 0; }

private:
    ipc::reqrep::ReplyFn m_reply;
    std::vector<std::pair<Job, std::string>> m_held;
};

// Records what the dispatcher asks of it; its requests are handed over by the test.
class FakeTransport final : public Dispatcher::Transport {
public:
    std::vector<std::string> delivered;
    int drains = 0;
    int unwritten_rounds = 0; // writing() stays true for this many flushes.
    bool signal_on_drain = false;
    std::function<void()> on_resume = [] {};

    void deliver(Job const& job, ipc::wire::ReplyStatus, std::string_view data) override
    {
        delivered.push_back(std::to_string(job.id) + " " + std::string(data));
    }
    void resume() override { on_resume(); }
    void flush() override { unwritten_rounds = std::max(0, unwritten_rounds - 1); }
    bool writing() const override { return unwritten_rounds > 0; }
    void drain() override
    {
        ++drains;
        if (signal_on_drain)
            ::raise(SIGTERM); // Blocked by the Stop: it waits in the signalfd.
    }
    std::optional<ipc::Deadline> upkeep() override { return std::chrono::steady_clock::now(); }
};

// A dispatcher over the two fakes, with a Stop for its signals.
struct Fixture {
    ipc::Stop stop { {} };
    FakeTransport transport;
    FakeHandler* fake; // Owned by the dispatcher.
    Dispatcher dispatcher;

    explicit Fixture(std::optional<std::uint64_t> count = std::nullopt)
        : fake(new FakeHandler)
        , dispatcher(std::unique_ptr<FakeHandler>(fake), count, stop, transport)
    {
    }
};

}

TEST_CASE("--count requests taken start the drain, and the server returns once they are answered",
    "[reqrep]")
{
    Fixture f(3);
    f.transport.unwritten_rounds = 3; // The drain waits for the replies to be written too.
    // A socket that can take more: an fd that stays readable wakes each wait.
    ipc::Fd writable(::eventfd(1, EFD_CLOEXEC));
    f.dispatcher.loop().add(writable.get(), EPOLLIN, [](std::uint32_t) {});
    for (std::uint64_t id = 1; id <= 2; ++id)
        f.dispatcher.submit(Job { 7, id }, std::to_string(id));
    CHECK(f.dispatcher.can_take());
    CHECK(f.transport.drains == 0);
    f.dispatcher.submit(Job { 7, 3 }, "3");
    CHECK(f.dispatcher.draining());
    CHECK_FALSE(f.dispatcher.can_take());
    CHECK(f.transport.drains == 1);
    CHECK(f.dispatcher.run() == ipc::Exit::Ok);
    CHECK(f.transport.delivered == std::vector<std::string> { "1 re:1", "2 re:2", "3 re:3" });
    CHECK(f.transport.unwritten_rounds == 0);
    CHECK(f.transport.drains == 1);
}

TEST_CASE("nothing is taken while the handler is full", "[reqrep]")
{
    Fixture f;
    f.fake->room = 2;
    f.fake->answer = false;
    f.dispatcher.submit(Job { 1, 1 }, "a");
    CHECK(f.dispatcher.can_take());
    f.dispatcher.submit(Job { 1, 2 }, "b");
    CHECK_FALSE(f.dispatcher.can_take());
    CHECK_FALSE(f.dispatcher.draining());
}

TEST_CASE("a handler that can answer nothing more ends the server once drained", "[reqrep]")
{
    Fixture f;
    int rounds = 0;
    f.transport.on_resume = [&] {
        if (++rounds == 3)
            f.fake->finish = true;
    };
    CHECK(f.dispatcher.run() == ipc::Exit::Ok);
    CHECK(rounds == 3);
    CHECK(f.transport.drains == 1);
}

TEST_CASE("a signal drains what was taken; a second one abandons it with 143", "[reqrep]")
{
    Fixture f;
    f.dispatcher.submit(Job { 1, 1 }, "a");
    SECTION("answered: exit 0")
    {
        ::raise(SIGTERM);
        CHECK(f.dispatcher.run() == ipc::Exit::Ok);
        CHECK(f.transport.delivered == std::vector<std::string> { "1 re:a" });
    }
    SECTION("never answered: the second signal ends it")
    {
        f.fake->answer = false;
        f.transport.signal_on_drain = true; // The second signal comes while it drains.
        ::raise(SIGTERM);
        CHECK(f.dispatcher.run() == ipc::Exit::Terminated);
        CHECK(f.transport.drains == 1);
        CHECK(f.transport.delivered.empty());
    }
    CHECK(f.stop.signal() == SIGTERM);
}

TEST_CASE("a drain tells the handler, and the server returns only once its processes have ended",
    "[reqrep]")
{
    Fixture f;
    f.fake->ending_rounds = 3;
    f.dispatcher.submit(Job { 1, 1 }, "a");
    ::raise(SIGTERM);
    CHECK(f.dispatcher.run() == ipc::Exit::Ok);
    CHECK(f.fake->drains == 1);
    CHECK(f.fake->ending_rounds == 0);
    CHECK(f.transport.delivered == std::vector<std::string> { "1 re:a" });
}
