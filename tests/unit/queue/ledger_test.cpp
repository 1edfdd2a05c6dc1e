#include "ipc/queue/ledger.hpp"

#include <catch2/catch.hpp>

namespace {

ipc::queue::Item item(ipc::queue::Id id)
{
    ipc::queue::Item out;
    out.id = id;
    return out;
}

std::vector<ipc::queue::Id> ids(std::vector<ipc::queue::Item> const& items)
{
    std::vector<ipc::queue::Id> out;
    for (auto const& taken : items)
        out.push_back(taken.id);
    return out;
}

}

TEST_CASE("an item is taken once the reader has read its last byte, and not before", "[queue]")
{
    ipc::queue::Ledger ledger;
    ledger.add(item(1), 2); // "1\n"
    ledger.add(item(2), 4); // "2\n"
    ledger.add(item(3), 4); // "": ends where the one before it does.
    ledger.add(item(4), 7); // "44\n"
    CHECK(ledger.take(0).empty());
    CHECK(ledger.take(1).empty()); // Half of item 1.
    CHECK(ids(ledger.take(3)) == std::vector<ipc::queue::Id> { 1 });
    CHECK(ids(ledger.take(4)) == std::vector<ipc::queue::Id> { 2, 3 });
    CHECK(ledger.items().size() == 1);
    CHECK(ids(ledger.take_all()) == std::vector<ipc::queue::Id> { 4 });
    CHECK(ledger.empty());
}

TEST_CASE("a ledger keeps its order over many items taken a few at a time", "[queue]")
{
    ipc::queue::Ledger ledger;
    for (ipc::queue::Id id = 1; id <= 10'000; ++id)
        ledger.add(item(id), static_cast<std::uint64_t>(id) * 2);
    ipc::queue::Id next = 1;
    for (std::uint64_t taken = 0; taken <= 20'000; taken += 7)
        for (auto const& got : ledger.take(taken))
            CHECK(got.id == next++);
    CHECK(next == 10'000);
    CHECK(ledger.items().front().id == 10'000);
}
