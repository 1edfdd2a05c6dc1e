// The local publisher while it waits in a send: what subscribers do meanwhile
// (one registers, one dies) changes nothing until the next message.

#include "ipc/core/sys.hpp"
#include "ipc/pubsub/local_publisher.hpp"
#include "ipc/pubsub/local_registry.hpp"
#include "ipc/pubsub/local_subscriber.hpp"

#include "support/runtime.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/inotify.h>
#include <thread>

using namespace std::chrono_literals;

namespace {

using Runtime = ipc::test::Runtime;

std::unique_ptr<ipc::pubsub::LocalSubscriber> subscribe()
{
    return std::make_unique<ipc::pubsub::LocalSubscriber>(
        ipc::parse_patterns({ "t" }), ipc::pubsub::SubscribeOptions {});
}

// Tells when a process opens a registration (NAME.pat) in $IPC_DIR/sub: a
// publisher does that only when it hears of a new subscriber, and it hears of
// one only inside a wait.
class PatOpens {
public:
    PatOpens()
        : m_fd(ipc::sys::check(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1"))
    {
        ipc::pubsub::LocalRegistry registry;
        ipc::sys::check(
            ::inotify_add_watch(m_fd.get(), registry.path().c_str(), IN_OPEN), "inotify_add_watch");
    }

    // True once a .pat file is opened, false after timeout.
    bool wait(ipc::Duration timeout)
    {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        alignas(inotify_event) char buffer[4096];
        while (true) {
            pollfd poll_fd { m_fd.get(), POLLIN, 0 };
            if (::poll(&poll_fd, 1, ipc::ms_until(deadline)) <= 0)
                return false;
            auto const count = ::read(m_fd.get(), buffer, sizeof buffer);
            for (ssize_t at = 0; at < count;) {
                auto const* event = reinterpret_cast<inotify_event const*>(buffer + at);
                if (event->len > 0 && std::string_view(event->name).ends_with(".pat"))
                    return true;
                at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            }
        }
    }

private:
    ipc::Fd m_fd;
};

// Receives until "end" (kept) or 10 s without a message.
std::vector<std::string> receive_to_end(ipc::pubsub::Subscriber& subscriber)
{
    ipc::Stop stop({ .idle = 10s });
    std::vector<std::string> got;
    while (auto message = subscriber.receive(stop, [] {})) {
        got.emplace_back(message->data);
        if (got.back() == "end")
            break;
    }
    return got;
}

}

TEST_CASE("a subscriber that registers and one that dies while the publisher waits in a send "
          "change nothing for the others until the next message",
    "[pubsub]")
{
    // Messages, or runs of lines, of 64 KiB until the publisher has waited:
    // nobody reads before, so it waits for the first subscriber in its loop
    // over them once that one's socket and backlog are full.
    bool const runs = GENERATE(false, true);
    CAPTURE(runs);
    Runtime runtime;
    auto dying = subscribe();
    auto staying = subscribe();
    ipc::Stop stop({});
    ipc::pubsub::LocalPublisher publisher({}, stop);
    REQUIRE(publisher.wait_for_subscribers("t", 2)); // Watches for more, as --wait-subs does.
    auto late = subscribe(); // The publisher hears of it in its next wait.
    PatOpens opens;

    // Once the publisher has heard of the late one, the one it waits for
    // goes on: both drop out of that wait, whichever it was.
    std::atomic<bool> heard = false;
    std::vector<std::string> stayed;
    std::thread other([&] {
        heard = opens.wait(10s);
        dying.reset();
        stayed = receive_to_end(*staying);
    });
    std::vector<std::string> expected;
    bool published = true;
    for (int chunk = 0; chunk < 64 && published && !heard; ++chunk) {
        std::vector<std::string> lines;
        std::string text;
        for (int line = 0; line < 64; ++line) {
            lines.push_back(std::to_string(chunk * 64 + line) + std::string(1000, '.'));
            text += lines.back() + '\n';
        }
        if (runs) {
            published = publisher.publish_run("t", '\n', text);
            expected.insert(expected.end(), lines.begin(), lines.end());
        } else {
            published = publisher.publish({ text, "t" });
            expected.push_back(text);
        }
    }
    bool const ended = publisher.publish({ "end", "t" });
    bool const flushed = publisher.flush();
    other.join();
    CHECK(heard);
    REQUIRE(published);
    REQUIRE(ended);
    REQUIRE(flushed);

    expected.push_back("end");
    CHECK(stayed == expected); // All of it, none twice.
    CHECK(receive_to_end(*late) == std::vector<std::string> { "end" });
}
