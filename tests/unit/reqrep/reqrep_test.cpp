#include "ipc/backend.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/reqrep/registry.hpp"
#include "ipc/wire/encoder.hpp"

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

// A server of `name` answering `count` requests in a thread of its own.
class Served {
public:
    Served(std::string const& name, ipc::reqrep::HandlerOptions handler, std::uint64_t count)
        : m_stop({})
    {
        handler.name = name;
        handler.max_size = 1024 * 1024;
        m_server = ipc::open_server(
            { .address = ipc::parse_address(name), .max_size = 1024 * 1024, .count = count },
            handler, m_stop);
        m_thread = std::thread([this] { m_server->run(); });
    }
    // A failed test must not hang on a server still waiting for its count:
    // SIGTERM, read from the server's signalfd, makes it drain and return.
    ~Served()
    {
        ::pthread_kill(m_thread.native_handle(), SIGTERM);
        m_thread.join();
    }

private:
    ipc::Stop m_stop;
    std::unique_ptr<ipc::reqrep::Server> m_server;
    std::thread m_thread;
};

struct Got {
    std::vector<std::string> replies; // "ok:DATA" or "error:REASON", in order.
    std::vector<std::uint64_t> ids;
};

// Sends requests and collects the replies; no Catch2 assertion, so that it
// may run in a thread of its own. Throws ipc::Error when a reply is missing.
Got try_ask(
    std::string const& name, std::vector<std::string> const& requests, std::uint64_t retries = 0)
{
    ipc::Stop stop({});
    Got got;
    auto client = ipc::open_client(
        { .address = ipc::parse_address(name), .timeout = 10s, .retries = retries }, stop,
        [&got](ipc::reqrep::Outcome const& reply) {
            got.replies.push_back((reply.ok ? "ok:" : "error:") + std::string(reply.data));
            got.ids.push_back(reply.id);
        },
        [] {});
    for (auto const& request : requests)
        client->send(request);
    if (!client->finish())
        throw ipc::Error(ipc::Exit::Failed, "the client did not finish");
    return got;
}

Got ask(
    std::string const& name, std::vector<std::string> const& requests, std::uint64_t retries = 0)
{
    Got got;
    REQUIRE_NOTHROW(got = try_ask(name, requests, retries));
    return got;
}

}

TEST_CASE("pipelined requests through a co-process come back complete and in order", "[reqrep]")
{
    Runtime runtime;
    std::vector<std::string> requests;
    for (int i = 1; i <= 20000; ++i)
        requests.push_back(std::to_string(i));
    Served served("echo", { .command = { "cat" }, .pipe = true, .jobs = 2 }, requests.size());
    auto const got = ask("echo", requests);
    REQUIRE(got.replies.size() == requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        REQUIRE(got.replies[i] == "ok:" + requests[i]);
        REQUIRE(got.ids[i] == i + 1);
    }
}

TEST_CASE("exec mode runs a process per request, with the request on stdin", "[reqrep]")
{
    Runtime runtime;
    Served served("calc",
        { .command = { "sh", "-c", "read x; echo \"$IPC_NAME $IPC_REQUEST_ID $x\"" }, .jobs = 3 },
        3);
    auto const got = ask("calc", { "a", "b", "c" });
    CHECK(got.replies == std::vector<std::string> { "ok:calc 1 a", "ok:calc 2 b", "ok:calc 3 c" });
}

TEST_CASE("a failing handler's reply is an error carrying its stderr", "[reqrep]")
{
    Runtime runtime;
    Served served("fail",
        { .command = { "sh", "-c", "read x; [ \"$x\" = bad ] && { echo no good >&2; exit 3; }; echo $x" } },
        3);
    auto const got = ask("fail", { "one", "bad", "two" });
    CHECK(got.replies
        == std::vector<std::string> { "ok:one", "error:exit 3: no good", "ok:two" });
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
        { .command = { "sh", "-c", "while read l; do [ \"$l\" = die ] && exit 4; echo \"$l\"; done" },
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

TEST_CASE("with no server the client fails with 69 at once, and removes stale sockets", "[reqrep]")
{
    Runtime runtime;
    {
        ipc::reqrep::Registry registry("gone", true);
        auto listener = registry.add("dead"); // Closed at the end of the scope: refuses.
    }
    ipc::Stop stop({});
    try {
        ipc::open_client({ .address = ipc::parse_address("gone") }, stop, [](auto const&) {}, [] {});
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
    auto raw = ipc::io::try_connect_unix(registry.dir_fd(), ids[0] + ".sock", ipc::io::Blocking::Yes, error);
    REQUIRE(raw);
    REQUIRE(ipc::sys::write_all(raw->get(), "\xff\xff\xff\xffgarbage"));
    char byte;
    CHECK(::read(raw->get(), &byte, 1) <= 0); // Closed on us (EOF or reset).
    CHECK(ask("sturdy", { "still here" }).replies == std::vector<std::string> { "ok:still here" });
}
