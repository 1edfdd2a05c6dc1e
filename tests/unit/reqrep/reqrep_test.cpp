#include "ipc/backend.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/reqrep/registry.hpp"
#include "ipc/wire/encoder.hpp"

#include "support/reqrep.hpp"
#include "support/runtime.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <pthread.h>
#include <thread>

using namespace std::chrono_literals;

namespace {

using Runtime = ipc::test::Runtime;
using ipc::test::ask;
using ipc::test::Got;
using ipc::test::Served;
using ipc::test::try_ask;

}

TEST_CASE("a handler that runs too long is killed and answered with a timeout", "[reqrep]")
{
    Runtime runtime;
    Served served("slow", { .command = { "sleep", "10" }, .handler_timeout = 100ms }, 1);
    auto const started = std::chrono::steady_clock::now();
    auto const got = ask("slow", { "x" });
    CHECK(got.replies == std::vector<std::string> { "error:timed out after 100ms" });
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("a co-process that dies fails the request it held; the next go to a new one", "[reqrep]")
{
    Runtime runtime;
    Served served("fragile",
        { .command
            = { "sh", "-c", "while read l; do [ \"$l\" = die ] && exit 4; echo \"$l\"; done" },
            .pipe = true },
        4);
    auto const got = ask("fragile", { "a", "die", "c", "d" });
    CHECK(got.replies
        == std::vector<std::string> {
            "ok:a", "error:the co-process ended (exit 4) without replying", "ok:c", "ok:d" });
}

TEST_CASE(
    "a co-process that leaves a reply out shifts only that client's replies, never onto another's",
    "[reqrep]")
{
    Runtime runtime;
    // Like sed -u '/^skip/d': no reply at all for a request that starts with "skip".
    Served served("lookup",
        { .command = { "sh", "-c",
              "while read -r l; do case $l in skip*) ;; *) echo \"$l\" ;; esac; done" },
            .pipe = true,
            .handler_timeout = 1s },
        100);
    std::vector<std::string> a, b;
    for (int i = 1; i <= 50; ++i) {
        a.push_back(i == 25 ? "skip" : fmt::format("A{}", i));
        b.push_back(fmt::format("B{}", i));
    }
    Got got_a, got_b;
    std::string failed_a;
    std::thread other([&] {
        try {
            got_a = try_ask("lookup", a);
        } catch (std::exception const& e) {
            failed_a = e.what();
        }
    });
    got_b = ask("lookup", b);
    other.join();
    CHECK(failed_a.empty());
    REQUIRE(got_b.replies.size() == b.size());
    for (std::size_t i = 0; i < b.size(); ++i)
        CHECK(got_b.replies[i] == "ok:" + b[i]);
    REQUIRE(got_a.replies.size() == a.size());
    for (std::size_t i = 0; i + 1 < a.size(); ++i) // One reply late from the skip on: A's own.
        CHECK(got_a.replies[i] == "ok:" + a[i < 24 ? i : i + 1]);
    CHECK(got_a.replies.back() == "error:timed out after 1s");
}

TEST_CASE(
    "a session keeps its state for its client only; the next client gets a new one", "[reqrep]")
{
    Runtime runtime;
    Served served("sum",
        { .command = { "sh", "-c", "s=0; while read -r n; do s=$((s + n)); echo $s; done" },
            .session = true,
            .jobs = 2 },
        5);
    CHECK(ask("sum", { "1", "2", "3" }).replies
        == std::vector<std::string> { "ok:1", "ok:3", "ok:6" });
    CHECK(ask("sum", { "10", "20" }).replies == std::vector<std::string> { "ok:10", "ok:30" });
}

TEST_CASE("a session whose handler exits fails the rest of its client's requests", "[reqrep]")
{
    Runtime runtime;
    Served served("fragile",
        { .command
            = { "sh", "-c", "while read l; do [ \"$l\" = die ] && exit 4; echo \"$l\"; done" },
            .session = true,
            .jobs = 2 },
        4);
    auto const got = ask("fragile", { "a", "die", "c" });
    REQUIRE(got.replies.size() == 3);
    CHECK(got.replies[0] == "ok:a");
    CHECK(got.replies[1] == "error:the session's handler ended (exit 4) without replying");
    CHECK_THAT(got.replies[2],
        Catch::Matchers::StartsWith("error:the session") && Catch::Matchers::Contains("(exit 4)"));
    CHECK(ask("fragile", { "b" }).replies == std::vector<std::string> { "ok:b" });
}

TEST_CASE("with no server the client fails with 69 at once, and removes stale sockets", "[reqrep]")
{
    Runtime runtime;
    {
        ipc::reqrep::Registry registry("gone", true);
        auto listener = registry.add("dead"); // Closed at the end of the scope: refuses.
    }
    ipc::Stop stop({});
    try {
        ipc::open_client(
            { .address = ipc::parse_address("gone") }, stop, [](auto const&) {}, [] {});
        FAIL("connected to no server");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Unavailable);
        CHECK(std::string(e.what()) == "gone: no server is listening");
    }
    CHECK(ipc::reqrep::Registry("gone", false).list().empty());
}

TEST_CASE("a client sending garbage is dropped and the server keeps serving", "[reqrep]")
{
    Runtime runtime;
    Served served("sturdy", { .command = { "cat" }, .pipe = true }, 1);
    ipc::reqrep::Registry registry("sturdy", false);
    auto const ids = registry.list();
    REQUIRE(ids.size() == 1);
    int error = 0;
    auto raw = ipc::io::try_connect_unix(
        registry.dir_fd(), ids[0] + ".sock", ipc::io::Blocking::Yes, error);
    REQUIRE(raw);
    REQUIRE(ipc::sys::write_all(raw->get(), "\xff\xff\xff\xffgarbage"));
    char byte;
    CHECK(::read(raw->get(), &byte, 1) <= 0); // Closed on us (EOF or reset).
    CHECK(ask("sturdy", { "still here" }).replies == std::vector<std::string> { "ok:still here" });
}
