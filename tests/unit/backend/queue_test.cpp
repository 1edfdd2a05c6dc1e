// Queues as every backend must keep them (backend.hpp says how the cases
// run). Cases that need time to pass use the local queue's fake clock and
// stay in tests/unit/queue.

#include "ipc/backend.hpp"

#include "ipc/core/error.hpp"
#include "ipc/io/loop.hpp"

#include "backend/backend.hpp"
#include "support/items.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <span>

using namespace std::chrono_literals;
using ipc::queue::Fate;
using ipc::test::data_of;
using ipc::test::push;

TEST_CASE("items come out in the order they went in, bytes intact", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto queue = ipc::open_queue(backend.options(), "jobs");
    std::string const binary("a\0b\n\xff", 5);
    push(*queue, { "one", binary, "" });
    auto const items = queue->lease(10, 1min);
    CHECK(data_of(items) == std::vector<std::string> { "one", binary, "" });
    CHECK(items[0].attempts == 1);
    CHECK(items[0].id < items[1].id);
}

TEST_CASE(
    "an acked item is gone; a released one comes back, counted as an attempt", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto queue = ipc::open_queue(backend.options(), "jobs");
    push(*queue, { "a", "b", "c" });
    auto const taken = queue->lease(2, 1min);
    REQUIRE(data_of(taken) == std::vector<std::string> { "a", "b" });
    CHECK(queue->stats().leased == 2);
    CHECK(queue->stats().ready == 1);
    CHECK(queue->ack(std::span(&taken[0], 1)) == 1);
    CHECK(queue->release(std::span(&taken[1], 1), "exit 1", {}, Fate::Retry) == 1);
    auto const again = queue->lease(10, 1min);
    REQUIRE(data_of(again) == std::vector<std::string> { "b", "c" });
    CHECK(again[0].attempts == 2);
    CHECK(again[1].attempts == 1);
    CHECK(queue->ack(again) == 2);
    auto const stats = queue->stats();
    CHECK(stats.ready + stats.delayed + stats.leased + stats.dead == 0);
    CHECK(queue->lease(10, 1min).empty());
}

TEST_CASE("a dead item waits on the dead list with its error until retried", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto queue = ipc::open_queue(backend.options(), "jobs");
    push(*queue, { "a", "b" });
    auto const taken = queue->lease(1, 1min);
    REQUIRE(taken.size() == 1);
    CHECK(queue->release(taken, "boom", {}, Fate::Dead) == 1);
    CHECK(queue->stats().dead == 1);
    auto const dead = queue->dead(10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].data == "a");
    CHECK(dead[0].error == "boom");
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "b" });
    CHECK(queue->retry({}) == 1);
    CHECK(queue->stats().dead == 0);
    auto back = data_of(queue->lease(10, 1min));
    std::sort(back.begin(), back.end()); // On NATS a retried item goes to the end of the line.
    CHECK(back == std::vector<std::string> { "a", "b" });
    CHECK(queue->purge() == 2);
}

TEST_CASE("a push under a key stores each item once; other keys are apart", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto const first = push(*ipc::open_queue(backend.options(), "jobs"), { "a", "b" }, {}, "k");
    CHECK(first.stored == 2);
    CHECK(first.duplicates == 0);
    auto const again = push(*ipc::open_queue(backend.options(), "jobs"), { "a", "b" }, {}, "k");
    CHECK(again.stored == 0);
    CHECK(again.duplicates == 2);
    CHECK(push(*ipc::open_queue(backend.options(), "jobs"), { "a" }, {}, "other").stored == 1);
    CHECK(push(*ipc::open_queue(backend.options(), "jobs"), { "a" }).stored
        == 1); // No key: always stored.
    CHECK(ipc::open_queue(backend.options(), "jobs")->stats().ready == 4);
}

TEST_CASE("a push under a key that failed part-way is resumed where it stopped", "[backend][queue]")
{
    using ipc::queue::End;
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    {
        auto failed = ipc::open_queue(backend.options(), "jobs");
        failed->begin({ "k" });
        failed->add("a", {});
        auto const committed = failed->commit(End::Batch);
        CHECK(committed.stored == 1);
        failed->begin({ "k" });
        failed->add("b", {});
    } // Gone in the middle of its second batch.
    auto queue = ipc::open_queue(backend.options(), "jobs");
    queue->begin({ "k" });
    queue->add("a", {});
    auto const first = queue->commit(End::Batch); // Across batches: the nth item is the nth.
    CHECK(first.stored == 0);
    CHECK(first.duplicates == 1);
    queue->begin({ "k" });
    queue->add("b", {});
    queue->add("c", {});
    auto const rest = queue->commit(End::Push);
    CHECK(rest.stored == 2);
    CHECK(rest.duplicates == 0);
    CHECK(data_of(queue->peek(10)) == std::vector<std::string> { "a", "b", "c" });
}

TEST_CASE("a queue's waiter wakes an io::Loop after a push from another handle", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto queue = ipc::open_queue(backend.options(), "jobs");
    auto const waiter = queue->waiter();
    ipc::io::Loop loop;
    int wakes = 0;
    loop.add(waiter->fd(), EPOLLIN, [&](std::uint32_t) {
        ++wakes;
        waiter->rearm();
    });
    auto const soon = [] { return std::chrono::steady_clock::now() + 10s; };
    loop.run_once(std::chrono::steady_clock::now());
    CHECK(wakes == 0);
    push(*ipc::open_queue(backend.options(), "jobs"), { "a" });
    CHECK(loop.run_until(soon(), [&] { return wakes > 0; }) == ipc::io::Loop::Result::Ready);
    CHECK(data_of(queue->lease(10, 1min)) == std::vector<std::string> { "a" });
    loop.run_once(std::chrono::steady_clock::now()); // Rearmed: quiet until the next push.
    CHECK(wakes == 1);
    push(*ipc::open_queue(backend.options(), "jobs"), { "b" });
    CHECK(loop.run_until(soon(), [&] { return wakes > 1; }) == ipc::io::Loop::Result::Ready);
}

TEST_CASE("queues are listed, and a missing one is unavailable", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    ipc::open_queue(backend.options(), "b");
    ipc::open_queue(backend.options(), "a.x");
    CHECK(ipc::queue_names(backend.options()) == std::vector<std::string> { "a.x", "b" });
    ipc::remove_queue(backend.options(), "b");
    CHECK(ipc::queue_names(backend.options()) == std::vector<std::string> { "a.x" });
    try {
        ipc::open_queue(backend.options(), "b", ipc::queue::Missing::Fail);
        FAIL("opened");
    } catch (ipc::queue::NoSuchQueue const& e) {
        CHECK(e.exit() == ipc::Exit::Unavailable);
    }
    CHECK(ipc::queue_names(backend.options()) == std::vector<std::string> { "a.x" });
    try {
        ipc::remove_queue(backend.options(), "b");
        FAIL("removed");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Unavailable);
    }
}

TEST_CASE(
    "drop deletes items by id, ready or dead, and counts only those it found", "[backend][queue]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::queue_backends()));
    auto queue = ipc::open_queue(backend.options(), "jobs");
    push(*queue, { "a", "b", "c" });
    auto const items = queue->lease(3, 1min);
    REQUIRE(items.size() == 3);
    queue->release(std::span(&items[2], 1), "failed", {}, Fate::Dead);
    queue->release(std::span(items.data(), 2), "again", {}, Fate::Retry);
    auto const dead = queue->dead(10);
    REQUIRE(dead.size() == 1);
    ipc::queue::Id const ids[] = { items[1].id, dead[0].id, 999 };
    CHECK(queue->drop(ids) == 2);
    CHECK(data_of(queue->lease(10, 1min)) == std::vector<std::string> { "a" });
    CHECK(queue->dead(10).empty());
}
