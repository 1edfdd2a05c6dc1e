// Request-response as every backend must do it (backend.hpp says how the
// cases run).

#include "backend/backend.hpp"
#include "support/reqrep.hpp"

#include <catch2/catch.hpp>

using ipc::test::ask;
using ipc::test::Served;

TEST_CASE(
    "pipelined requests through a co-process come back complete and in order", "[backend][reqrep]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::reqrep_backends()));
    std::vector<std::string> requests;
    for (int i = 1; i <= 20000; ++i)
        requests.push_back(std::to_string(i));
    Served served("echo", { .command = { "cat" }, .pipe = true, .jobs = 2 }, requests.size(),
        backend.options());
    auto const got = ask("echo", requests, 0, backend.options());
    REQUIRE(got.replies.size() == requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        REQUIRE(got.replies[i] == "ok:" + requests[i]);
        REQUIRE(got.ids[i] == i + 1);
    }
}

TEST_CASE("exec mode runs a process per request, with the request on stdin", "[backend][reqrep]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::reqrep_backends()));
    Served served("calc",
        { .command = { "sh", "-c", "read x; echo \"$IPC_NAME $IPC_REQUEST_ID $x\"" }, .jobs = 3 },
        3, backend.options());
    auto const got = ask("calc", { "a", "b", "c" }, 0, backend.options());
    CHECK(got.replies == std::vector<std::string> { "ok:calc 1 a", "ok:calc 2 b", "ok:calc 3 c" });
}

TEST_CASE("a failing handler's reply is an error carrying its stderr", "[backend][reqrep]")
{
    ipc::test::Backend const backend(GENERATE(ipc::test::reqrep_backends()));
    Served served("fail",
        { .command = { "sh", "-c",
              "read x; [ \"$x\" = bad ] && { echo no good >&2; exit 3; }; echo $x" } },
        3, backend.options());
    auto const got = ask("fail", { "one", "bad", "two" }, 0, backend.options());
    CHECK(got.replies == std::vector<std::string> { "ok:one", "error:exit 3: no good", "ok:two" });
}
