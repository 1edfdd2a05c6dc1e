#include "ipc/queue/sqlite_store.hpp"

#include "ipc/queue/lease.hpp"

#include "ipc/core/error.hpp"
#include "ipc/io/loop.hpp"
#include "queue/state.hpp"
#include "support/items.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
using ipc::queue::Fate;
using ipc::test::data_of;
using ipc::test::push;

using State = ipc::test::QueueDirs;

namespace {

// A push under key "k" (window 1h) that stored "a" and "b" in a first
// batch, then failed in its second.
void fail_push(State& state)
{
    auto failed = state.open("jobs");
    failed->begin({ "k", 1h });
    failed->add("a", {});
    failed->add("b", {});
    CHECK(failed->commit(ipc::queue::End::Batch).stored == 2);
    failed->begin({ "k", 1h });
    failed->add("c", {});
} // Gone without End::Push, its second batch uncommitted.

}

TEST_CASE("a leased item is not leased again until it is acked or its lease runs out", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "a", "b" });
    auto const first = queue->lease(1, 1min);
    REQUIRE(first.size() == 1);
    auto const second = queue->lease(10, 1min);
    CHECK(data_of(second) == std::vector<std::string> { "b" });
    CHECK(queue->stats().leased == 2);
    queue->ack(first);
    CHECK(queue->stats().leased == 1);

    state.clock.advance(59s);
    CHECK(queue->lease(10, 1min).empty());
    state.clock.advance(1s); // The second lease runs out.
    auto const again = queue->lease(10, 1min);
    REQUIRE(again.size() == 1);
    CHECK(again[0].data == "b");
    CHECK(again[0].attempts == 2);
}

TEST_CASE("an uncommitted batch leaves nothing behind", "[queue]")
{
    State state;
    {
        auto queue = state.open("jobs");
        queue->begin({});
        queue->add("lost", {});
    } // Destroyed without commit: rolled back.
    auto queue = state.open("jobs");
    CHECK(queue->lease(10, 1min).empty());
}

TEST_CASE("higher priorities come first, FIFO within one", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "low1", "low2" });
    push(*queue, { "high" }, { .priority = 5 });
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "high", "low1", "low2" });
}

TEST_CASE("a delayed item waits, and next_due says until when", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "later" }, { .delay = 1h });
    CHECK(queue->lease(1, 1min).empty());
    auto const stats = queue->stats();
    CHECK(stats.delayed == 1);
    CHECK(stats.ready == 0);
    CHECK(queue->next_due() == 1h);
    state.clock.advance(1h);
    CHECK(data_of(queue->lease(1, 1min)) == std::vector<std::string> { "later" });
}

TEST_CASE("a push under a key stores each item once within its window, and a failed one "
          "is resumed",
    "[queue]")
{
    using ipc::queue::End;
    State state;
    fail_push(state);
    auto queue = state.open("jobs");
    queue->begin({ "k", 1h }); // Claims the key, which it holds after the batch.
    queue->commit(End::Batch);
    try {
        state.open("jobs")->begin({ "k", 1h }); // Held by queue.
        FAIL("claimed twice");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::TempFail);
        CHECK(std::string(e.what()) == "jobs: --id k: another push with this key is running");
    }
    queue->begin({ "k", 1h });
    for (auto const* item : { "a", "b", "c", "d" })
        queue->add(item, {});
    auto const resumed = queue->commit(End::Push);
    CHECK(resumed.stored == 2);
    CHECK(resumed.duplicates == 2);
    CHECK_FALSE(resumed.finished);
    queue.reset();
    CHECK(data_of(state.open("jobs")->peek(10)) == std::vector<std::string> { "a", "b", "c", "d" });

    auto const again = push(*state.open("jobs"), { "e" }, {}, "k");
    CHECK(again.finished); // Every item of a finished push's key is a duplicate.
    CHECK(again.stored == 0);
    CHECK(again.duplicates == 1);
    state.clock.advance(1h); // Its window ran out: the key is forgotten.
    auto const later = push(*state.open("jobs"), { "e" }, {}, "k");
    CHECK(later.stored == 1);
    CHECK_FALSE(later.finished);
}

TEST_CASE("the items of a batch rolled back under a key count again in the next", "[queue]")
{
    using ipc::queue::End;
    State state;
    fail_push(state);
    auto queue = state.open("jobs");
    queue->begin({ "k", 1h });
    queue->add("a", {});
    queue->rollback();
    queue->begin({ "k", 1h });
    for (auto const* item : { "a", "b", "c" })
        queue->add(item, {});
    auto const committed = queue->commit(End::Push);
    CHECK(committed.duplicates == 2);
    CHECK(committed.stored == 1);
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "a", "b", "c" });
}

TEST_CASE("only a commit that stored items wakes the queue's waiters", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    auto const waiter = queue->waiter();
    ipc::io::Loop loop;
    bool woken = false;
    loop.add(waiter->fd(), EPOLLIN, [&](std::uint32_t) { woken = true; });
    queue->begin({});
    queue->commit(ipc::queue::End::Batch);
    loop.run_once(std::chrono::steady_clock::now());
    CHECK_FALSE(woken);
    push(*state.open("jobs"), { "a" });
    loop.run_once(std::chrono::steady_clock::now() + 10s);
    CHECK(woken);
}

TEST_CASE("released items retry after their back-off, dead ones wait for retry", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "a", "b" });
    auto const items = queue->lease(2, 1min);
    REQUIRE(items.size() == 2);
    queue->release(std::span(&items[0], 1), "exit 1", 1h, Fate::Retry);
    queue->release(std::span(&items[1], 1), "boom", {}, Fate::Dead);
    auto stats = queue->stats();
    CHECK(stats.delayed == 1);
    CHECK(stats.dead == 1);
    auto const dead = queue->dead(10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].data == "b");
    CHECK(dead[0].error == "boom");
    CHECK(queue->retry({}) == 1);
    auto const again = queue->lease(10, 1min);
    CHECK(data_of(again) == std::vector<std::string> { "b" });
    CHECK(queue->purge() == 2);
    CHECK(queue->stats().delayed == 0);
}

TEST_CASE("a file that is not a queue database is refused with exit 2", "[queue]")
{
    State state;
    REQUIRE(::mkdir((state.temp / "state").c_str(), 0700) == 0);
    std::ofstream(state.temp / "state/bad.db") << "this is not SQLite, just some text\n";
    try {
        ipc::queue::open_sqlite("bad");
        FAIL("opened");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Usage);
        CHECK(std::string(e.what()).find("is not a queue database") != std::string::npos);
    }
}

TEST_CASE("back-off doubles per attempt and stops at an hour", "[queue]")
{
    CHECK(ipc::queue::backoff(1s, 1) == 1s);
    CHECK(ipc::queue::backoff(1s, 2) == 2s);
    CHECK(ipc::queue::backoff(1s, 4) == 8s);
    CHECK(ipc::queue::backoff(1s, 40) == 1h);
    CHECK(ipc::queue::backoff(0s, 5) == 0s);
}

TEST_CASE("an extended lease keeps its item from other consumers", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "long" });
    auto const items = queue->lease(1, 1min);
    REQUIRE(items.size() == 1);
    state.clock.advance(50s);
    CHECK(queue->extend(items, 1h) == 1);
    state.clock.advance(59min);
    CHECK(queue->lease(1, 1min).empty());
    CHECK(queue->stats().leased == 1);
}

TEST_CASE("stat's rates count the items pushed and acked in the last minute", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    std::vector<std::string> const thirty(30, "x");
    push(*queue, thirty);
    auto const items = queue->lease(12, 1min);
    REQUIRE(items.size() == 12);
    queue->ack(std::span(items).first(10));
    queue->release(std::span(&items[10], 1), "exit 1", {}, Fate::Retry); // Given back: not done.
    auto const stats = queue->stats();
    // Over 60 to 70 seconds; the fake clock stands at the start of a bucket.
    CHECK(stats.pushed_per_s == Approx(30.0 / 60));
    CHECK(stats.done_per_s == Approx(10.0 / 60));
    state.clock.advance(75s); // The activity of 75 seconds ago is forgotten.
    CHECK(queue->stats().pushed_per_s == 0);
}

TEST_CASE("a consumer whose lease ran out cannot bury, release or extend the item", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "x" });
    auto const stale = queue->lease(1, 1min);
    REQUIRE(stale.size() == 1);
    state.clock.advance(1min); // Stopped past its lease: another consumer takes the item.
    auto const current = queue->lease(1, 1min);
    REQUIRE(current.size() == 1);
    CHECK(current[0].attempts == 2);

    // Not its lease any more: the current one stays as it is.
    CHECK(queue->extend(stale, 1h) == 0);
    CHECK(queue->release(stale, "exit 1", {}, Fate::Dead) == 0);
    CHECK(queue->dead(10).empty());
    CHECK(queue->release(stale, "exit 1", {}, Fate::Retry) == 0);
    CHECK(queue->ack(stale) == 0);
    CHECK(queue->stats().leased == 1);
    CHECK(queue->lease(1, 1min).empty());
    state.clock.advance(1min); // The current lease runs out as it was taken.
    auto const third = queue->lease(1, 1min);
    REQUIRE(third.size() == 1);
    queue->ack(third);
    auto const stats = queue->stats();
    CHECK(stats.ready + stats.delayed + stats.leased + stats.dead == 0);
}

namespace {

// The bytes this process has read through read(2) and pread(2) so far: how
// SQLite reads its files (it maps only its lock index).
std::uint64_t bytes_read()
{
    std::ifstream io("/proc/self/io");
    std::string field;
    std::uint64_t value = 0;
    while (io >> field >> value)
        if (field == "rchar:")
            return value;
    FAIL("no rchar in /proc/self/io");
    return 0;
}

}

TEST_CASE(
    "a lease and a peek read the ready items, not the delayed and leased ones ahead", "[queue]")
{
    State state;
    // 16-byte items: a chunk of 256 of them fills a database page.
    std::vector<std::string> const many(100'000, std::string(16, 'x'));
    {
        auto queue = state.open("jobs");
        push(*queue, many, { .delay = 1h });
        push(*queue, many);
        REQUIRE(queue->lease(many.size(), 1h).size() == many.size());
        push(*queue, { "ready" });
    }
    auto queue = state.open("jobs"); // A new connection: nothing cached.
    auto const before = bytes_read();
    CHECK(data_of(queue->peek(1)) == std::vector<std::string> { "ready" });
    CHECK(queue->next_due() == 1h);
    auto const taken = queue->lease(1, 1min);
    CHECK(data_of(taken) == std::vector<std::string> { "ready" });
    // A few pages (16 KiB), where a scan past the 800 chunks ahead reads 1 MiB.
    CHECK(bytes_read() - before < 128 * 1024);
    auto const stats = queue->stats(); // Still exact.
    CHECK(stats.ready == 0);
    CHECK(stats.delayed == many.size());
    CHECK(stats.leased == many.size() + 1);
}

TEST_CASE(
    "items due since the last lease come out in their place: priority, then push order", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "late" }, { .delay = 1min });
    push(*queue, { "now" });
    push(*queue, { "late urgent" }, { .delay = 2min, .priority = 5 });
    push(*queue, { "now low" }, { .priority = -1 });
    push(*queue, { "now 2" });
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "now", "now 2", "now low" });
    state.clock.advance(2min);
    std::vector<std::string> const order { "late urgent", "late", "now", "now 2", "now low" };
    CHECK(data_of(queue->peek(10)) == order); // Found without a lease.
    CHECK(data_of(queue->lease(10, 1min)) == order);
}

TEST_CASE("a leased item comes back after its lease runs out, ahead of later items", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "first" });
    REQUIRE(queue->lease(1, 1min).size() == 1);
    push(*queue, { "second" });
    CHECK(queue->next_due() == 1min);
    state.clock.advance(30s);
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "second" });
    CHECK(queue->next_due() == 30s);
    state.clock.advance(30s);
    CHECK(!queue->next_due());
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "first", "second" });
    auto const again = queue->lease(1, 1min);
    REQUIRE(again.size() == 1);
    CHECK(again[0].data == "first");
    CHECK(again[0].attempts == 2);
    CHECK(queue->stats().ready == 1);
}

TEST_CASE("opening a queue while a push holds its lock does not wait for the push", "[queue]")
{
    State state;
    auto pushing = state.open("jobs");
    push(*pushing, { "a" });
    pushing->begin({}); // Holds the write lock until its commit.
    pushing->add("b", {});
    auto const start = std::chrono::steady_clock::now();
    auto reader = state.open("jobs"); // Read the schema; took the lock before.
    CHECK(data_of(reader->peek(10)) == std::vector<std::string> { "a" });
    CHECK(std::chrono::steady_clock::now() - start < 1s); // The lock waits 2 s per round.
    pushing->commit(ipc::queue::End::Batch);
    CHECK(data_of(reader->peek(10)) == std::vector<std::string> { "a", "b" });
}

TEST_CASE(
    "waiting lists leased items with their holder and due time, delayed ones apart", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "a", "b", "c" });
    push(*queue, { "later" }, { .delay = 1h });
    auto const leased = queue->lease(2, 5min);
    REQUIRE(leased.size() == 2);
    auto const held = queue->waiting(ipc::queue::Waiting::Leased, 10);
    REQUIRE(data_of(held) == std::vector<std::string> { "a", "b" });
    CHECK(held[0].holder == ::getpid());
    CHECK(held[0].due_ns == state.clock.now_ns() + std::chrono::nanoseconds(5min).count());
    auto const delayed = queue->waiting(ipc::queue::Waiting::Delayed, 10);
    REQUIRE(data_of(delayed) == std::vector<std::string> { "later" });
    CHECK(delayed[0].holder == 0);
    CHECK(delayed[0].due_ns == state.clock.now_ns() + std::chrono::nanoseconds(1h).count());
    CHECK(queue->waiting(ipc::queue::Waiting::Leased, 1).size() == 1);
    queue->ack(leased);
    CHECK(queue->waiting(ipc::queue::Waiting::Leased, 10).empty());
}

TEST_CASE(
    "drop deletes items by id from the middle of a run, from leases and the dead list", "[queue]")
{
    State state;
    auto queue = state.open("jobs");
    push(*queue, { "a", "b", "c", "d" });
    ipc::queue::Id const middle[] = { 2 };
    CHECK(queue->drop(middle) == 1);
    CHECK(queue->drop(middle) == 0);
    auto const taken = queue->lease(1, 1min); // "a", leased.
    REQUIRE(data_of(taken) == std::vector<std::string> { "a" });
    queue->release(queue->lease(1, 1min), "failed", {}, Fate::Dead); // "c", dead.
    ipc::queue::Id const others[] = { 1, 3, 99 };
    CHECK(queue->drop(others) == 2);
    CHECK(queue->ack(taken) == 0); // Its consumer finds it gone.
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "d" });
    CHECK(queue->stats().dead == 0);
}
