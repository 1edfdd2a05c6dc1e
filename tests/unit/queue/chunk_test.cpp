#include "ipc/queue/chunk.hpp"
#include "ipc/queue/sqlite_store.hpp"

#include "queue/state.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace std::chrono_literals;
using ipc::queue::Fate;
using ipc::queue::Id;
using ipc::queue::Item;

namespace {

std::string ends_of(std::vector<std::uint32_t> const& offsets)
{
    std::string ends;
    for (auto const offset : offsets)
        ipc::queue::append_end(ends, offset);
    return ends;
}

// Pushes items "0" .. "count-1" (after first) in one transaction.
void push_numbers(
    ipc::queue::Queue& queue, int first, int count, ipc::queue::PushOptions const& options = {})
{
    queue.begin({});
    for (int i = first; i < first + count; ++i)
        queue.add(std::to_string(i), options);
    queue.commit(ipc::queue::End::Batch);
}

// The items' data must be "first" .. "first+count-1" and their ids consecutive.
void check_numbers(std::vector<Item> const& items, int first, int count)
{
    REQUIRE(items.size() == static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < items.size(); ++i) {
        CHECK(items[i].data == std::to_string(first + static_cast<int>(i)));
        if (i > 0)
            CHECK(items[i].id == items[i - 1].id + 1);
    }
}

}

TEST_CASE("a chunk's ends read back as written, and split", "[queue]")
{
    std::vector<std::uint32_t> out;
    auto const ends = ends_of({ 3, 3, 70000 });
    REQUIRE(ipc::queue::decode_ends(ends, 3, 70000, out));
    CHECK(out == std::vector<std::uint32_t> { 3, 3, 70000 });
    auto const rest = ipc::queue::rebase_ends(out, 1);
    REQUIRE(ipc::queue::decode_ends(rest, 2, 69997, out));
    CHECK(out == std::vector<std::uint32_t> { 0, 69997 });
}

TEST_CASE("ends that do not describe the chunk are refused", "[queue]")
{
    std::vector<std::uint32_t> out;
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({ 5, 3, 10 }), 3, 10, out)); // Backwards.
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({ 3, 9 }), 2, 10, out)); // Short of the data.
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({ 3, 11 }), 2, 10, out)); // Past it.
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({ 2, 4 }), 1, 4, out)); // Not count offsets.
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({}), 0, 0, out)); // An empty chunk.
    CHECK_FALSE(ipc::queue::decode_ends(ends_of({ 4 }) + "x", 1, 4, out)); // Ragged.
}

TEST_CASE("leases cut chunks where asked, in order, and acks take whole runs", "[queue]")
{
    ipc::test::QueueDirs state;
    auto queue = state.open("jobs");
    int const total = static_cast<int>(ipc::queue::chunk_items) * 2 + 88;
    push_numbers(*queue, 0, total);

    auto const first = queue->lease(300, 1min);
    check_numbers(first, 0, 300);
    auto const second = queue->lease(7, 1min);
    check_numbers(second, 300, 7);
    CHECK(second[0].id == first.back().id + 1);
    CHECK(queue->stats().leased == 307);
    CHECK(queue->stats().ready == static_cast<std::uint64_t>(total - 307));
    check_numbers(queue->peek(5), 307, 5);

    queue->ack(first);
    CHECK(queue->stats().leased == 7);
    auto const rest = queue->lease(10'000, 1min);
    check_numbers(rest, 307, total - 307);
    queue->ack(rest);
    queue->ack(second);
    auto const stats = queue->stats();
    CHECK(stats.leased + stats.ready + stats.delayed == 0);
}

TEST_CASE("items of one lease are acked, retried and buried one by one", "[queue]")
{
    ipc::test::QueueDirs state;
    auto queue = state.open("jobs");
    push_numbers(*queue, 1, 5);
    auto const items = queue->lease(5, 1min);
    check_numbers(items, 1, 5);
    queue->ack(std::span(&items[1], 1));
    CHECK(queue->release(std::span(&items[3], 1), "exit 1", {}, Fate::Dead) == 1);
    CHECK(queue->release(std::span(&items[4], 1), "exit 2", 1h, Fate::Retry) == 1);
    auto stats = queue->stats();
    CHECK(stats.leased == 2);
    CHECK(stats.dead == 1);
    CHECK(stats.delayed == 1);

    std::vector<Item> const others { items[0], items[2] };
    queue->ack(others);
    auto const dead = queue->dead(10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].id == items[3].id);
    CHECK(dead[0].data == "4");
    CHECK(dead[0].error == "exit 1");
    Id const id = items[3].id;
    CHECK(queue->retry(std::span(&id, 1)) == 1);
    auto const again = queue->lease(10, 1min);
    REQUIRE(again.size() == 1);
    CHECK(again[0].id == id);
    CHECK(again[0].attempts == 1);
    stats = queue->stats();
    CHECK(stats.leased == 1);
    CHECK(stats.delayed == 1); // Item 5, waiting out its back-off.
}

TEST_CASE("a lease that runs out gives its whole chunk back, counted as an attempt", "[queue]")
{
    ipc::test::QueueDirs state;
    auto queue = state.open("jobs");
    push_numbers(*queue, 0, 10);
    REQUIRE(queue->lease(4, 1min).size() == 4);
    state.clock.advance(1min);
    auto const items = queue->lease(100, 1min);
    check_numbers(items, 0, 10);
    CHECK(items[0].attempts == 2);
    CHECK(items[3].attempts == 2);
    CHECK(items[4].attempts == 1);
}

TEST_CASE("priorities cut across chunks: higher first, FIFO within one", "[queue]")
{
    ipc::test::QueueDirs state;
    auto queue = state.open("jobs");
    push_numbers(*queue, 0, 300);
    push_numbers(*queue, 1000, 300, { .priority = 5 });
    push_numbers(*queue, 2000, 3, { .priority = -1 });
    auto const items = queue->lease(400, 1min);
    REQUIRE(items.size() == 400);
    check_numbers(std::vector<Item>(items.begin(), items.begin() + 300), 1000, 300);
    check_numbers(std::vector<Item>(items.begin() + 300, items.end()), 0, 100);
    queue->ack(items);
    auto const rest = queue->lease(1000, 1min);
    REQUIRE(rest.size() == 203);
    CHECK(rest[199].data == "299");
    CHECK(rest[200].data == "2000");
}

TEST_CASE("ids are never given twice, even once the queue is empty", "[queue]")
{
    ipc::test::QueueDirs state;
    Id last = 0;
    {
        auto queue = state.open("jobs");
        push_numbers(*queue, 0, 3);
        auto const items = queue->lease(10, 1min);
        last = items.back().id;
        queue->ack(items);
        CHECK(queue->purge() == 0);
    }
    auto queue = state.open("jobs");
    push_numbers(*queue, 0, 1);
    auto const items = queue->peek(1);
    REQUIRE(items.size() == 1);
    CHECK(items[0].id == last + 1);
}

TEST_CASE("items larger than a chunk's share go whole, each in its own", "[queue]")
{
    ipc::test::QueueDirs state;
    auto queue = state.open("jobs");
    std::string const big(ipc::queue::chunk_bytes + 10, 'x');
    queue->begin({});
    queue->add("small", {});
    queue->add(big, {});
    queue->add(big, {});
    queue->add("", {});
    queue->commit(ipc::queue::End::Batch);
    auto const items = queue->lease(10, 1min);
    REQUIRE(items.size() == 4);
    CHECK(items[0].data == "small");
    CHECK(items[1].data == big);
    CHECK(items[2].data == big);
    CHECK(items[3].data.empty());
}
