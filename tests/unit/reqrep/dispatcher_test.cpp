#include "ipc/reqrep/dispatcher.hpp"

#include "ipc/io/fd.hpp"
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

    void attach(ipc::io::Loop&, ipc::reqrep::ReplyFn reply) override { m_reply = std::move(reply); }
    void submit(Job const& job, std::string_view data) override
    {
        m_held.push_back({ job, std::string(data) });
    }
    bool full() const override { return m_held.size() >= room; }
    std::size_t in_flight() const override { return m_held.size(); }
    void tick() override
    {
        for (; answer && !m_held.empty(); m_held.erase(m_held.begin()))
            m_reply(
                m_held.front().first, ipc::wire::ReplyStatus::Ok, "re:" + m_held.front().second);
    }
    std::optional<ipc::Deadline> deadline() const override
    {
        // Work to do: come back at once (no fds in these tests to wake the loop).
        return answer && !m_held.empty() ? std::optional(std::chrono::steady_clock::now())
                                         : std::nullopt;
    }
    void cancel(std::uint64_t) override { }
    bool finished() const override { return finish; }

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

std::unique_ptr<FakeHandler> handler(FakeHandler*& out)
{
    auto made = std::make_unique<FakeHandler>();
    out = made.get();
    return made;
}

}

TEST_CASE("--count requests taken start the drain, and the server returns once they are answered",
    "[reqrep]")
{
    ipc::Stop stop({});
    FakeTransport transport;
    FakeHandler* fake = nullptr;
    Dispatcher dispatcher(handler(fake), 3, stop, transport);
    transport.unwritten_rounds = 3; // The drain waits for the replies to be written too.
    // A socket that can take more: an fd that stays readable wakes each wait.
    ipc::io::Fd writable(::eventfd(1, EFD_CLOEXEC));
    dispatcher.loop().add(writable.get(), EPOLLIN, [](std::uint32_t) {});
    for (std::uint64_t id = 1; id <= 2; ++id)
        dispatcher.submit(Job { 7, id }, std::to_string(id));
    CHECK(dispatcher.can_take());
    CHECK(transport.drains == 0);
    dispatcher.submit(Job { 7, 3 }, "3");
    CHECK(dispatcher.draining());
    CHECK_FALSE(dispatcher.can_take());
    CHECK(transport.drains == 1);
    CHECK(dispatcher.run() == ipc::Exit::Ok);
    CHECK(transport.delivered == std::vector<std::string> { "1 re:1", "2 re:2", "3 re:3" });
    CHECK(transport.unwritten_rounds == 0);
    CHECK(transport.drains == 1);
}

TEST_CASE("nothing is taken while the handler is full", "[reqrep]")
{
    ipc::Stop stop({});
    FakeTransport transport;
    FakeHandler* fake = nullptr;
    Dispatcher dispatcher(handler(fake), std::nullopt, stop, transport);
    fake->room = 2;
    fake->answer = false;
    dispatcher.submit(Job { 1, 1 }, "a");
    CHECK(dispatcher.can_take());
    dispatcher.submit(Job { 1, 2 }, "b");
    CHECK_FALSE(dispatcher.can_take());
    CHECK_FALSE(dispatcher.draining());
}

TEST_CASE("a handler that can answer nothing more ends the server once drained", "[reqrep]")
{
    ipc::Stop stop({});
    FakeTransport transport;
    FakeHandler* fake = nullptr;
    Dispatcher dispatcher(handler(fake), std::nullopt, stop, transport);
    int rounds = 0;
    transport.on_resume = [&] {
        if (++rounds == 3)
            fake->finish = true;
    };
    CHECK(dispatcher.run() == ipc::Exit::Ok);
    CHECK(rounds == 3);
    CHECK(transport.drains == 1);
}

TEST_CASE("a signal drains what was taken; a second one abandons it with 143", "[reqrep]")
{
    ipc::Stop stop({});
    FakeTransport transport;
    FakeHandler* fake = nullptr;
    Dispatcher dispatcher(handler(fake), std::nullopt, stop, transport);
    dispatcher.submit(Job { 1, 1 }, "a");
    SECTION("answered: exit 0")
    {
        ::raise(SIGTERM);
        CHECK(dispatcher.run() == ipc::Exit::Ok);
        CHECK(transport.delivered == std::vector<std::string> { "1 re:a" });
    }
    SECTION("never answered: the second signal ends it")
    {
        fake->answer = false;
        transport.signal_on_drain = true; // The second signal comes while it drains.
        ::raise(SIGTERM);
        CHECK(dispatcher.run() == ipc::Exit::Terminated);
        CHECK(transport.drains == 1);
        CHECK(transport.delivered.empty());
    }
    CHECK(stop.signal() == SIGTERM);
}
