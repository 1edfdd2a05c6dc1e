// push's batching policy, against a queue that records what it is asked.

#include "ipc/queue/pusher.hpp"

#include "ipc/core/error.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ipc::queue::BatchLimits;
using ipc::queue::Committed;
using ipc::queue::End;
using ipc::queue::Pusher;

namespace {

// Logs the push calls ("begin k", "add a", "commit", "commit push",
// "rollback"); each commit stores the batch's items, unless told to fail,
// or to call the first `duplicates` items duplicates.
class Recorder final : public ipc::queue::Queue {
public:
    std::vector<std::string> log;
    std::uint64_t duplicates = 0;
    bool finished = false;
    bool fail = false;

    void begin(ipc::queue::Key const& key) override
    {
        log.push_back("begin " + std::string(key.name));
        m_added = 0;
    }
    void add(std::string_view data, ipc::queue::PushOptions const&) override
    {
        log.push_back("add " + std::string(data));
        ++m_added;
    }
    Committed commit(End end) override
    {
        log.push_back(end == End::Push ? "commit push" : "commit");
        if (fail)
            throw ipc::Error(ipc::Exit::IoError, "full");
        auto const dups = std::min(duplicates, m_added);
        duplicates -= dups;
        return { .stored = m_added - dups, .duplicates = dups, .finished = finished };
    }
    void rollback() noexcept override { log.push_back("rollback"); }
    std::unique_ptr<ipc::queue::Waiter> waiter() override { return {}; }
    std::vector<ipc::queue::Item> lease(std::size_t, ipc::Duration) override { return {}; }
    std::uint64_t extend(std::span<ipc::queue::Item const>, ipc::Duration) override { return 0; }
    std::uint64_t ack(std::span<ipc::queue::Item const>) override { return 0; }
    std::uint64_t release(std::span<ipc::queue::Item const>, std::string_view, ipc::Duration,
        ipc::queue::Fate) override
    {
        return 0;
    }
    std::vector<ipc::queue::Item> peek(std::size_t) override { return {}; }
    std::vector<ipc::queue::Item> dead(std::size_t) override { return {}; }
    std::uint64_t retry(std::span<ipc::queue::Id const>) override { return 0; }
    std::uint64_t purge() override { return 0; }
    std::uint64_t drop(std::span<ipc::queue::Id const>) override { return 0; }
    std::vector<ipc::queue::Item> waiting(ipc::queue::Waiting, std::size_t) override { return {}; }
    ipc::queue::Stats stats() override { return {}; }
    std::optional<ipc::Duration> next_due() override { return {}; }

private:
    std::uint64_t m_added = 0;
};

using Log = std::vector<std::string>;

}

TEST_CASE(
    "a batch begins with its first item and is committed at its item limit or a pause", "[queue]")
{
    Recorder queue;
    Pusher pusher(queue, {}, {}, { .items = 2 });
    pusher.pause(); // Nothing begun: nothing to commit.
    CHECK(queue.log.empty());
    for (auto const* item : { "a", "b", "c" })
        pusher.add(item);
    CHECK(queue.log == Log { "begin ", "add a", "add b", "commit", "begin ", "add c" });
    queue.log.clear();
    pusher.pause();
    pusher.pause();
    pusher.finish();
    CHECK(queue.log == Log { "commit" });
    CHECK(pusher.total().stored == 3);
}

TEST_CASE("a batch is committed once it holds its byte limit", "[queue]")
{
    Recorder queue;
    Pusher pusher(queue, {}, {}, { .bytes = 5 });
    pusher.add("abc");
    pusher.add("d");
    CHECK(queue.log.size() == 3); // Four bytes: still open.
    pusher.add("e");
    CHECK(queue.log.back() == "commit");
    pusher.add(std::string(10, 'x')); // One item over the limit is a batch of its own.
    CHECK(queue.log.back() == "commit");
    pusher.finish();
    CHECK(pusher.total().stored == 4);
}

TEST_CASE(
    "under a key, the key is claimed at once and the push ends with a batch of its own", "[queue]")
{
    Recorder queue;
    queue.duplicates = 1; // The first item was stored by an earlier push under the key.
    Pusher pusher(queue, {}, { "k" });
    CHECK(queue.log == Log { "begin k", "commit" }); // Before any input.
    CHECK_FALSE(pusher.finished());
    pusher.add("a");
    pusher.add("b");
    pusher.pause();
    pusher.finish();
    CHECK(queue.log
        == Log {
            "begin k", "commit", "begin k", "add a", "add b", "commit", "begin k", "commit push" });
    CHECK(pusher.total().stored == 1);
    CHECK(pusher.total().duplicates == 1);
}

TEST_CASE("a key whose push finished before is known before any input", "[queue]")
{
    Recorder queue;
    queue.finished = true;
    Pusher pusher(queue, {}, { "k" });
    CHECK(pusher.finished());
}

TEST_CASE("a commit that fails leaves what was stored before, and the batch rolled back", "[queue]")
{
    Recorder queue;
    {
        Pusher pusher(queue, {}, {}, { .items = 2 });
        pusher.add("a");
        pusher.add("b");
        queue.fail = true;
        pusher.add("c");
        CHECK_THROWS_AS(pusher.finish(), ipc::Error);
        CHECK(pusher.total().stored == 2);
    }
    CHECK(queue.log.back() == "rollback");
}
