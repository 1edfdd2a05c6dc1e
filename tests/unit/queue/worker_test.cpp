#include "ipc/queue/worker.hpp"

#include "ipc/queue/sqlite_store.hpp"
#include "queue/state.hpp"
#include "support/items.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

// A queue "jobs" holding items, and a file for the handlers' stdout.
struct Fixture {
    ipc::test::QueueDirs dirs;
    std::unique_ptr<ipc::queue::Queue> queue = ipc::queue::open_sqlite("jobs");
    std::string output = dirs.temp / "out";
    int output_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

    explicit Fixture(std::vector<std::string> const& items)
    {
        REQUIRE(output_fd >= 0);
        queue->begin({});
        for (auto const& item : items)
            queue->add(item, {});
        queue->commit(ipc::queue::End::Batch);
    }
    ~Fixture() { ::close(output_fd); }

    ipc::Exit work(ipc::queue::WorkOptions options)
    {
        options.output_fd = output_fd;
        return ipc::queue::Worker(*queue, "jobs", std::move(options)).run();
    }
    std::string written() const
    {
        std::stringstream text;
        text << std::ifstream(output).rdbuf();
        return text.str();
    }
};

}

TEST_CASE("a handler that exits 0 acks its item; drain stops at an empty queue", "[queue]")
{
    Fixture fixture({ "a", "b", "c" });
    auto const exit = fixture.work({ .command = { "cat" }, .jobs = 2, .drain = true });
    CHECK(exit == ipc::Exit::Ok);
    auto written = fixture.written(); // Two handlers at once: any order.
    std::sort(written.begin(), written.end());
    CHECK(written == "\n\n\nabc"); // Each item a line, with its newline.
    auto const stats = fixture.queue->stats();
    CHECK(stats.ready + stats.delayed + stats.leased + stats.dead == 0);
}

TEST_CASE("the handler gets IPC_QUEUE, IPC_ITEM_ID and IPC_ATTEMPT", "[queue]")
{
    Fixture fixture({ "x" });
    auto const id = fixture.queue->peek(1).at(0).id;
    fixture.work({ .command = { "sh", "-c", "echo \"$IPC_QUEUE $IPC_ITEM_ID $IPC_ATTEMPT\"" },
        .drain = true });
    CHECK(fixture.written() == fmt::format("jobs {} 1\n", id));
}

TEST_CASE("a failing item is retried, then dead with its last error after max_attempts", "[queue]")
{
    Fixture fixture({ "bad" });
    auto const exit
        = fixture.work({ .command = { "sh", "-c", "echo \"try $IPC_ATTEMPT\" >&2; exit 3" },
            .max_attempts = 2,
            .backoff = 1ms,
            .drain = true });
    CHECK(exit == ipc::Exit::Failed);
    auto const dead = fixture.queue->dead(10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].data == "bad");
    CHECK(dead[0].attempts == 2);
    CHECK(dead[0].error == "exit 3: try 2");
}

TEST_CASE("count stops after that many items and leaves the rest", "[queue]")
{
    Fixture fixture({ "1", "2", "3", "4" });
    CHECK(fixture.work({ .command = { "true" }, .count = 3 }) == ipc::Exit::Ok);
    CHECK(fixture.queue->stats().ready == 1);
    CHECK(fixture.queue->peek(10).at(0).data == "4");
}

TEST_CASE("a handler past its timeout is killed and the attempt fails", "[queue]")
{
    Fixture fixture({ "slow" });
    auto const exit = fixture.work({ .command = { "sleep", "30" },
        .max_attempts = 1,
        .handler_timeout = 50ms,
        .drain = true });
    CHECK(exit == ipc::Exit::Failed);
    auto const dead = fixture.queue->dead(10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].error == "timed out after 50ms");
}

TEST_CASE("a waiting worker is woken by a push, well before its fallback timer", "[queue]")
{
    Fixture fixture({});
    std::thread producer([&] {
        // The worker's waiter shows that it waits: its socket in the runtime directory.
        auto const dir = fixture.dirs.temp / "run/queue/jobs";
        auto const waiting = [&] {
            std::error_code error;
            std::filesystem::directory_iterator entries(dir, error);
            return !error && entries != std::filesystem::directory_iterator();
        };
        for (int tries = 0; tries < 10'000 && !waiting(); ++tries)
            std::this_thread::sleep_for(1ms);
        ipc::test::push(*ipc::queue::open_sqlite("jobs"), { "late" });
    });
    auto const start = std::chrono::steady_clock::now();
    auto const exit = fixture.work({ .command = { "cat" }, .count = 1 });
    producer.join();
    CHECK(exit == ipc::Exit::Ok);
    CHECK(std::chrono::steady_clock::now() - start < 4s); // The fallback timer is 5s.
    CHECK(fixture.written() == "late\n");
}
