// tests/unit/shm/board_test.cpp: the seqlock board, its growth and its watchers.

#include "ipc/shm/board.hpp"
#include "ipc/shm/catalogue.hpp"
#include "ipc/shm/object.hpp"

#include "support/temp_dir.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using ipc::shm::Board;

ipc::shm::Store store_in(ipc::test::TempDir const& dir)
{
    return { dir.path().string(), 1000 };
}

// Forges what a setter killed mid-write leaves on board name: an odd
// sequence, its pid in the lock and its start time (0: not known).
void forge_dead_setter(
    ipc::shm::Store const& store, std::string const& name, pid_t pid, std::uint64_t start)
{
    ipc::Fd fd(::open(store.path(name).c_str(), O_RDWR));
    std::uint32_t seq = 0;
    REQUIRE(::pread(fd.get(), &seq, sizeof(seq), 64) == sizeof(seq));
    seq |= 1u;
    auto const holder = static_cast<std::int32_t>(pid);
    REQUIRE(::pwrite(fd.get(), &seq, sizeof(seq), 64) == sizeof(seq));
    REQUIRE(::pwrite(fd.get(), &holder, sizeof(holder), 68) == sizeof(holder));
    REQUIRE(::pwrite(fd.get(), &start, sizeof(start), 88) == sizeof(start));
}

// After a forged dead setter: get refuses the half-written value, and the
// next set takes the lock over.
void check_recovers(Board& board)
{
    try {
        (void)board.get();
        FAIL("read a half-written value");
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == ipc::Exit::IoError);
    }
    board.set("after");
    CHECK(board.get() == "after");
}

}

TEST_CASE("a new board has no value until one is set", "[shm]")
{
    ipc::test::TempDir dir;
    Board board(store_in(dir), "b", Board::Create::Yes);
    CHECK_FALSE(board.get());
    board.set("hello");
    CHECK(board.get() == "hello");
    board.set("");
    CHECK(board.get() == "");
    CHECK(Board(store_in(dir), "b", Board::Create::No).get() == "");
}

TEST_CASE("opening a missing board without Create is Unavailable", "[shm]")
{
    ipc::test::TempDir dir;
    try {
        Board board(store_in(dir), "none", Board::Create::No);
        FAIL("opened");
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == ipc::Exit::Unavailable);
    }
}

TEST_CASE("a name in use as an object is not a board, and the other way round", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "obj", "x", 0600);
    Board board(store, "brd", Board::Create::Yes);
    auto exit_of = [](auto const& action) {
        try {
            action();
        } catch (ipc::Error const& error) {
            return error.exit();
        }
        return ipc::Exit::Ok;
    };
    CHECK(exit_of([&] { Board(store, "obj", Board::Create::Yes); }) == ipc::Exit::Usage);
    CHECK(exit_of([&] { ipc::shm::put_object(store, "brd", "x", 0600); }) == ipc::Exit::Usage);
    CHECK(exit_of([&] { ipc::shm::Object(store, "brd"); }) == ipc::Exit::Usage);
}

TEST_CASE("a value larger than the board moves it to a bigger one that others follow", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board setter(store, "g", Board::Create::Yes);
    Board reader(store, "g", Board::Create::No);
    setter.set("small");
    auto const seen = reader.seq();
    std::string const big(3 * ipc::shm::default_board_capacity + 5, 'B');
    setter.set(big);
    CHECK(reader.replaced());
    CHECK(reader.seq() != seen);
    CHECK(Board(store, "g", Board::Create::No).get() == big);
    CHECK(Board(store, "g", Board::Create::No).capacity() >= big.size());
    setter.set("again");
    CHECK(Board(store, "g", Board::Create::No).get() == "again");
    CHECK(ipc::shm::list(store).size() == 1);
}

TEST_CASE("readers never see a torn value while a setter races them", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board board(store, "race", Board::Create::Yes);
    board.set("a");
    std::atomic<bool> done { false };
    std::jthread setter([&] {
        Board mine(store, "race", Board::Create::No);
        for (int i = 0; i < 20000; ++i) // Each value is one letter repeated.
            mine.set(std::string(
                static_cast<std::size_t>(1 + i % 3000), static_cast<char>('a' + i % 26)));
        done = true;
    });
    std::size_t torn = 0;
    std::size_t reads = 0;
    while (!done) {
        auto const value = board.get();
        ++reads;
        if (!value || value->empty() || value->find_first_not_of((*value)[0]) != std::string::npos)
            ++torn;
    }
    setter.join();
    CAPTURE(reads);
    CHECK(torn == 0);
}

TEST_CASE("a setter that died holding the lock does not wedge the board", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board board(store, "dead", Board::Create::Yes);
    board.set("before");
    pid_t const child = ::fork();
    if (child == 0)
        ::_exit(0);
    REQUIRE(::waitpid(child, nullptr, 0) == child); // Its pid is now free.
    forge_dead_setter(store, "dead", child, 0);
    check_recovers(board);
}

TEST_CASE("watch shows the current value, then stops at --count or --timeout", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board(store, "w", Board::Create::Yes).set("now");
    std::vector<std::string> seen;
    auto const on_value = [&](std::string_view value) { seen.emplace_back(value); };
    SECTION("count")
    {
        ipc::Stop stop({ .count = 1 });
        ipc::shm::watch(
            store, "w", stop,
            [&](std::string_view value) {
                on_value(value);
                stop.count_one();
            },
            [] {});
        CHECK(stop.exit() == ipc::Exit::Ok);
    }
    SECTION("timeout")
    {
        ipc::Stop stop({ .timeout = std::chrono::milliseconds(50) });
        ipc::shm::watch(store, "w", stop, on_value, [] {});
        CHECK(stop.exit() == ipc::Exit::Timeout);
    }
    CHECK(seen == std::vector<std::string> { "now" });
}

TEST_CASE("a watcher wakes for a value set by another thread", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board(store, "wake", Board::Create::Yes).set("0");
    ipc::Stop stop({ .count = 2, .timeout = std::chrono::seconds(10) });
    std::vector<std::string> seen;
    std::jthread setter; // Joins also when a check throws.
    ipc::shm::watch(
        store, "wake", stop,
        [&](std::string_view value) {
            seen.emplace_back(value);
            stop.count_one();
            if (seen.size() == 1) // Set only once the watcher holds the first value.
                setter = std::jthread([&] { Board(store, "wake", Board::Create::No).set("1"); });
        },
        [] {});
    setter.join();
    CHECK(stop.exit() == ipc::Exit::Ok);
    CHECK(seen == std::vector<std::string> { "0", "1" });
}

TEST_CASE("a value set just before the watcher sleeps is not slept through", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::Stop stop({ .count = 1, .timeout = std::chrono::seconds(5) });
    std::vector<std::string> seen;
    bool set = false;
    ipc::shm::watch(
        store, "late", stop,
        [&](std::string_view value) {
            seen.emplace_back(value);
            stop.count_one();
        },
        [&] {
            // The watcher found no value and is about to wait: the first set
            // lands exactly in between, as another process's could.
            if (!std::exchange(set, true))
                Board(store, "late", Board::Create::No).set("hello");
        });
    CHECK(stop.exit() == ipc::Exit::Ok);
    CHECK(seen == std::vector<std::string> { "hello" });
}

TEST_CASE("setters racing for the lock each get their turn", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board(store, "race", Board::Create::Yes).set("start");
    auto const first = Board(store, "race", Board::Create::No).seq();
    constexpr int setters = 4;
    constexpr int each = 2000;
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < setters; ++t)
            threads.emplace_back([&store, t] {
                Board board(store, "race", Board::Create::No);
                for (int i = 0; i < each; ++i)
                    board.set(std::string(100, static_cast<char>('a' + t)));
            });
    }
    // Every set moved the sequence on by two, none was lost to a race.
    CHECK(Board(store, "race", Board::Create::No).seq() == first + 2 * setters * each);
}

TEST_CASE("a dead setter's pid taken by another process does not wedge the board", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board board(store, "reused", Board::Create::Yes);
    board.set("before");
    // A live process that never touches the board: the one that got the pid.
    pid_t const other = ::fork();
    REQUIRE(other >= 0);
    if (other == 0) {
        ::pause();
        ::_exit(0);
    }
    // The dead setter's start time is not that of the process now holding
    // its pid: 1 clock tick after boot, long before `other` began.
    forge_dead_setter(store, "reused", other, 1);
    // Checked first, without waiting: get and set would hang if this failed.
    bool const died = board.setter_died();
    if (died)
        check_recovers(board);
    ::kill(other, SIGKILL);
    REQUIRE(::waitpid(other, nullptr, 0) == other);
    CHECK(died);
}

TEST_CASE("boards created by racing setters are never seen with two names", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    constexpr int names = 1000;
    std::atomic<int> refused { 0 };
    auto create = [&] {
        for (int i = 0; i < names; ++i) {
            try {
                Board board(store, fmt::format("b{}", i), Board::Create::Yes);
            } catch (ipc::Error const&) {
                ++refused;
            }
        }
    };
    {
        std::jthread one(create);
        std::jthread two(create);
        std::jthread three(create);
    }
    CHECK(refused == 0);
    CHECK(ipc::shm::list(store).size() == names);
}

TEST_CASE(
    "a board never set goes when the last one to hold it gives it up; a set one stays", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    Board first(store, "b", Board::Create::Yes);
    Board second(store, "b", Board::Create::No);
    first.remove_if_unused(); // The second still holds it.
    CHECK(std::filesystem::exists(store.path("b")));
    second.remove_if_unused();
    CHECK_FALSE(std::filesystem::exists(store.path("b")));
    Board set(store, "s", Board::Create::Yes);
    set.set("v");
    set.remove_if_unused();
    CHECK(std::filesystem::exists(store.path("s")));
}
