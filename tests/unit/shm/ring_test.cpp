// tests/unit/shm/ring_test.cpp: rings: order across wrap-around, racing
// readers, --lossy gaps, dead readers reclaimed, dead writers noticed.

#include "ipc/shm/board.hpp"
#include "ipc/shm/catalogue.hpp"
#include "ipc/shm/ring.hpp"
#include "ipc/shm/ring_reader.hpp"
#include "ipc/shm/ring_writer.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using ipc::shm::Overflow;
using ipc::shm::Ring;
using ipc::shm::RingReader;
using ipc::shm::RingWriter;

ipc::shm::Store store_in(ipc::test::TempDir const& dir)
{
    return { dir.path().string(), 1000 };
}

// Message i: its number and a filler of a length that varies with i, so
// records of many sizes meet the end of the ring.
std::string message(std::size_t i)
{
    return fmt::format("{}:{}", i, std::string(i * 37 % 300, static_cast<char>('a' + i % 26)));
}

// Every message of the reader's stream, each message of a Lines record apart.
std::vector<std::string> drain(RingReader& reader)
{
    std::vector<std::string> got;
    while (auto record = reader.next()) {
        if (record->type == ipc::shm::RecordType::Message) {
            got.emplace_back(record->payload);
            continue;
        }
        auto run = record->payload;
        for (std::size_t at = 0; at < run.size();) {
            auto const end = run.find(record->delimiter, at);
            got.emplace_back(run.substr(at, end - at));
            at = end + 1;
        }
    }
    return got;
}

ipc::Exit exit_of(auto const& action)
{
    try {
        action();
    } catch (ipc::Error const& error) {
        return error.exit();
    }
    return ipc::Exit::Ok;
}

}

TEST_CASE("messages come out in order and whole across many wrap-arounds", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    RingReader reader(ring, stop);
    RingWriter writer(ring, Overflow::Block, stop);
    std::size_t read = 0;
    for (std::size_t i = 0; i < 20000; ++i) {
        REQUIRE(writer.write_message(message(i)));
        if (i % 50 == 49) { // Drain now and then, so the writer never waits alone.
            writer.publish();
            for (; read <= i; ++read) {
                auto record = reader.next();
                REQUIRE(record);
                REQUIRE(record->payload == message(read));
            }
        }
    }
    writer.end();
    for (; read < 20000; ++read)
        REQUIRE(reader.next()->payload == message(read));
    CHECK_FALSE(reader.next());
    CHECK(reader.ended());
    CHECK(reader.lost() == 0);
}

TEST_CASE(
    "two racing readers each get every message and line while the writer waits for them", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    constexpr std::size_t count = 30000;
    std::vector<std::string> got[2];
    std::atomic<int> registered { 0 };
    auto read = [&](int which) {
        ipc::Stop stop({});
        RingReader reader(ring, stop);
        ++registered;
        got[which] = drain(reader);
    };
    std::jthread one(read, 0);
    std::jthread two(read, 1);
    {
        ipc::Stop stop({});
        RingWriter writer(ring, Overflow::Block, stop);
        REQUIRE(writer.wait_for_readers(2));
        std::string run;
        for (std::size_t i = 0; i < count; ++i) {
            if (i % 3 == 0) {
                REQUIRE(writer.write_message(message(i)));
            } else {
                run = message(i) + "\n";
                REQUIRE(writer.write_run(run, '\n', 1));
            }
        }
    } // Ends the stream.
    one.join();
    two.join();
    for (auto const& messages : got) {
        REQUIRE(messages.size() == count);
        for (std::size_t i = 0; i < count; ++i)
            REQUIRE(messages[i] == message(i));
    }
}

TEST_CASE("a reader behind a lossy writer skips to what is left and counts the rest", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    RingReader reader(ring, stop);
    constexpr std::size_t count = 5000;
    {
        RingWriter writer(ring, Overflow::Lossy, stop);
        for (std::size_t i = 0; i < count; ++i)
            REQUIRE(writer.write_message(message(i))); // Never waits.
    }
    auto const got = drain(reader);
    REQUIRE(!got.empty());
    CHECK(reader.lost() > 0);
    CHECK(reader.lost() + got.size() == count);
    // What arrived is the newest part, whole and in order.
    for (std::size_t i = 0; i < got.size(); ++i)
        REQUIRE(got[i] == message(count - got.size() + i));
}

TEST_CASE("a lossy reader racing its writer never returns a torn message", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    constexpr std::size_t count = 100000;
    std::atomic<bool> ready { false };
    std::uint64_t lost = 0;
    std::size_t got = 0;
    std::jthread reading([&] {
        ipc::Stop stop({});
        RingReader reader(ring, stop);
        ready = true;
        std::size_t last = 0;
        bool first = true;
        while (auto record = reader.next()) {
            // Each message names its number; its filler must match it.
            std::string const text(record->payload);
            auto const number = std::stoul(text.substr(0, text.find(':')));
            REQUIRE(text == message(number));
            REQUIRE((first || number > last));
            first = false;
            last = number;
            ++got;
        }
        lost = reader.lost();
    });
    while (!ready) // Bounded by the reader's start-up.
        std::this_thread::yield();
    {
        ipc::Stop stop({});
        RingWriter writer(ring, Overflow::Lossy, stop);
        for (std::size_t i = 0; i < count; ++i)
            REQUIRE(writer.write_message(message(i)));
    }
    reading.join();
    CHECK(got + lost == count);
}

TEST_CASE("a reader killed with SIGKILL is reclaimed and does not wedge the writer", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    {
        Ring made(store, "r", ipc::shm::min_ring_size);
    }
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) { // Registers, says so, and never reads.
        Ring ring(store, "r", std::nullopt);
        ipc::Stop stop({});
        RingReader reader(ring, stop);
        char const byte = 'r';
        (void)::write(ready[1], &byte, 1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    Ring ring(store, "r", std::nullopt);
    CHECK(ring.live_readers() == 1);
    REQUIRE(::kill(child, SIGKILL) == 0);
    // Not reaped yet: a zombie, which must count as dead too.
    ipc::Stop stop({});
    RingWriter writer(ring, Overflow::Block, stop);
    for (std::size_t i = 0; i < 2000; ++i) // Four times the ring.
        REQUIRE(writer.write_message(message(i)));
    CHECK(ring.live_readers() == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
}

TEST_CASE("a reader sees the end of the stream, and an error when the writer died", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Ring ring(store, "r", ipc::shm::min_ring_size);
    int go[2];
    REQUIRE(::pipe(go) == 0);
    pid_t const child = ::fork(); // Forked before any thread of ours exists.
    REQUIRE(child >= 0);
    if (child == 0) { // Writes three messages and dies without ending the stream.
        ::close(go[1]);
        char byte = 0;
        (void)::read(go[0], &byte, 1);
        Ring mine(store, "r", std::nullopt);
        ipc::Stop stop({});
        RingWriter writer(mine, Overflow::Block, stop);
        for (auto const* text : { "one", "two", "three" })
            (void)writer.write_message(text);
        writer.publish();
        ::kill(::getpid(), SIGKILL);
    }
    ::close(go[0]);
    ipc::Stop stop({});
    RingReader reader(ring, stop);
    REQUIRE(::write(go[1], "g", 1) == 1);
    ::close(go[1]);
    std::vector<std::string> got;
    CHECK(exit_of([&] {
        while (auto record = reader.next())
            got.emplace_back(record->payload);
    }) == ipc::Exit::IoError);
    CHECK(got == std::vector<std::string> { "one", "two", "three" });
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);

    // A writer that ends cleanly: the next reader sees the end, no error.
    RingReader second(ring, stop);
    {
        RingWriter writer(ring, Overflow::Block, stop);
        REQUIRE(writer.write_message("four"));
    }
    CHECK(drain(second) == std::vector<std::string> { "four" });
    CHECK(second.ended());
}

TEST_CASE("a late reader begins at the current position", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    RingWriter writer(ring, Overflow::Block, stop);
    REQUIRE(writer.write_message("before"));
    writer.publish();
    RingReader reader(ring, stop);
    REQUIRE(writer.write_message("after"));
    writer.end();
    CHECK(drain(reader) == std::vector<std::string> { "after" });
}

TEST_CASE("rings refuse big messages, a second writer, other kinds and bad layouts", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Ring ring(store, "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    RingWriter writer(ring, Overflow::Block, stop);
    std::string const big(writer.max_message() + 1, 'x');
    CHECK(exit_of([&] { (void)writer.write_message(big); }) == ipc::Exit::Usage);
    CHECK(exit_of([&] { RingWriter second(ring, Overflow::Block, stop); }) == ipc::Exit::TempFail);
    CHECK(exit_of([&] { Ring(store, "r", 2 * ipc::shm::min_ring_size); }) == ipc::Exit::Usage);
    ipc::shm::Board board(store, "b", ipc::shm::Board::Create::Yes);
    CHECK(exit_of([&] { Ring(store, "b", std::nullopt); }) == ipc::Exit::Usage);
    // A reader-slot count that is not ours: corrupt.
    {
        Ring other(store, "c", std::nullopt);
    }
    auto const path = store.path("c");
    auto* file = std::fopen(path.c_str(), "r+");
    REQUIRE(file);
    std::uint32_t const slots = 7;
    std::fseek(file, 64 + offsetof(ipc::shm::RingState, slot_count), SEEK_SET);
    std::fwrite(&slots, sizeof(slots), 1, file);
    std::fclose(file);
    CHECK(exit_of([&] { Ring(store, "c", std::nullopt); }) == ipc::Exit::IoError);
    // What read refuses, stat and ls show as invalid, for the same reason.
    auto const info = ipc::shm::stat(store, "c");
    CHECK_FALSE(info.kind);
    CHECK(info.problem == "7 reader slots, expected 64");
    CHECK(ipc::shm::ring_capacity(100'000) == 128 * 1024);
    CHECK_FALSE(ipc::shm::ring_capacity(1000));
}

TEST_CASE("a reader that joins a lossy stream and is overrun before its first read counts the loss",
    "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    constexpr std::size_t before = 10;
    constexpr std::size_t count = 5000;
    RingWriter writer(ring, Overflow::Lossy, stop);
    for (std::size_t i = 0; i < before; ++i) // Written before the reader came: not its loss.
        REQUIRE(writer.write_message(message(i)));
    writer.publish();
    RingReader reader(ring, stop); // Joins the stream being written.
    for (std::size_t i = before; i < before + count; ++i) // Laps it many times.
        REQUIRE(writer.write_message(message(i)));
    writer.end();
    auto const got = drain(reader);
    REQUIRE(!got.empty());
    CHECK(reader.lost() > 0);
    CHECK(reader.lost() + got.size() == count);
    CHECK(got.back() == message(before + count - 1));
}

TEST_CASE("a reader that comes after its writer died waits for the next writer", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Ring ring(store, "r", ipc::shm::min_ring_size);
    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) { // Writes and dies without ending the stream.
        Ring mine(store, "r", std::nullopt);
        ipc::Stop stop({});
        RingWriter writer(mine, Overflow::Block, stop);
        (void)writer.write_message("lost with its writer");
        writer.publish();
        ::kill(::getpid(), SIGKILL);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    // No writer comes: the reader waits until its --timeout, as on a fresh
    // ring, instead of taking the dead writer's stream for its own.
    ipc::Stop stop({ .timeout = std::chrono::milliseconds(700) });
    RingReader reader(ring, stop);
    CHECK(exit_of([&] { CHECK_FALSE(reader.next()); }) == ipc::Exit::Ok);
    CHECK(stop.exit() == ipc::Exit::Timeout);
    CHECK_FALSE(reader.ended());
}

TEST_CASE("a ring no writer took goes when the last one to hold it gives it up", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Ring first(store, "r", std::nullopt);
    Ring second(store, "r", std::nullopt);
    first.remove_if_unused(); // The second still holds it.
    CHECK(std::filesystem::exists(store.path("r")));
    second.remove_if_unused();
    CHECK_FALSE(std::filesystem::exists(store.path("r")));
    // One who opens the name now makes a new ring.
    Ring third(store, "r", std::nullopt);
    CHECK(std::filesystem::exists(store.path("r")));
}

TEST_CASE("a ring a writer took stays when its reader gives it up", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Ring ring(store, "r", std::nullopt);
    {
        Ring mine(store, "r", std::nullopt);
        ipc::Stop stop({});
        RingWriter writer(mine, Overflow::Block, stop);
        writer.end();
    }
    ring.remove_if_unused();
    CHECK(std::filesystem::exists(store.path("r")));
}
