#include "ipc/reqrep/pipeline.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using ipc::reqrep::Pipeline;

namespace {

// A pipeline and what it handed out, at a time the test moves by hand.
struct Fixture {
    std::vector<std::string> delivered; // "ID ok|error DATA ELAPSED_MS"
    Pipeline::Time now {}; // The epoch of the steady clock: any fixed point will do.
    Pipeline pipeline;

    explicit Fixture(std::optional<ipc::Duration> timeout = std::nullopt, std::uint64_t retries = 0,
        bool keep = false)
        : pipeline(
            timeout, retries,
            [this](ipc::reqrep::Outcome const& reply) {
                delivered.push_back(std::to_string(reply.id) + (reply.ok ? " ok " : " error ")
                    + std::string(reply.data) + " "
                    + std::to_string(
                        std::chrono::duration_cast<std::chrono::milliseconds>(reply.elapsed)
                            .count()));
            },
            keep)
    {
    }
};

}

TEST_CASE("requests get ids from 1 up, and a reply to the oldest is handed out at once", "[reqrep]")
{
    Fixture f;
    CHECK(f.pipeline.empty());
    CHECK(f.pipeline.add("a", f.now) == 1);
    CHECK(f.pipeline.add("b", f.now) == 2);
    CHECK(f.pipeline.unanswered() == 2);
    f.now += 30ms;
    CHECK(f.pipeline.take(1, true, "A", f.now) == Pipeline::Taken::Delivered);
    CHECK(f.delivered == std::vector<std::string> { "1 ok A 30" });
    CHECK_FALSE(f.pipeline.empty());
}

TEST_CASE(
    "a reply that overtakes an earlier one waits, copied, until that one is answered", "[reqrep]")
{
    Fixture f;
    for (auto const* data : { "a", "b", "c" })
        f.pipeline.add(data, f.now);
    {
        std::string reply = "C";
        CHECK(f.pipeline.take(3, false, reply, f.now + 1ms) == Pipeline::Taken::Held);
        reply = "overwritten"; // The transport's buffer is reused.
    }
    CHECK(f.pipeline.take(2, true, "B", f.now + 2ms) == Pipeline::Taken::Held);
    CHECK(f.delivered.empty());
    CHECK(f.pipeline.unanswered() == 1);
    CHECK(f.pipeline.take(1, true, "A", f.now + 5ms) == Pipeline::Taken::Delivered);
    CHECK(f.delivered == std::vector<std::string> { "1 ok A 5", "2 ok B 5", "3 error C 5" });
    CHECK(f.pipeline.empty());
}

TEST_CASE("a reply to no request waiting for one is refused, and changes nothing", "[reqrep]")
{
    Fixture f;
    CHECK(f.pipeline.take(1, true, "x", f.now) == Pipeline::Taken::NotWaiting); // None sent.
    f.pipeline.add("a", f.now);
    f.pipeline.add("b", f.now);
    f.pipeline.take(2, true, "B", f.now);
    auto const id = GENERATE(0u, 2u, 3u, 99u); // Before the first, held already, not sent yet.
    CAPTURE(id);
    CHECK(f.pipeline.take(id, true, "x", f.now) == Pipeline::Taken::NotWaiting);
    f.pipeline.take(1, true, "A", f.now);
    CHECK(f.delivered == std::vector<std::string> { "1 ok A 0", "2 ok B 0" });
    CHECK(f.pipeline.take(1, true, "again", f.now) == Pipeline::Taken::NotWaiting);
}

TEST_CASE("the pipeline is full at 16384 requests or 8 MiB in flight", "[reqrep]")
{
    Fixture f;
    SECTION("by count")
    {
        for (int i = 0; i < 16383; ++i)
            f.pipeline.add("x", f.now);
        CHECK_FALSE(f.pipeline.full());
        f.pipeline.add("x", f.now);
        CHECK(f.pipeline.full());
        f.pipeline.take(1, true, "", f.now);
        CHECK_FALSE(f.pipeline.full());
    }
    SECTION("by bytes")
    {
        std::string const mib(1024 * 1024, 'x');
        for (int i = 0; i < 7; ++i)
            f.pipeline.add(mib, f.now);
        CHECK_FALSE(f.pipeline.full());
        f.pipeline.add(mib, f.now);
        CHECK(f.pipeline.full());
        f.pipeline.take(1, true, "", f.now);
        CHECK_FALSE(f.pipeline.full());
    }
}

TEST_CASE("a lost server costs a retry only when requests are unanswered", "[reqrep]")
{
    Fixture f(std::nullopt, 2);
    CHECK(f.pipeline.lost() == Pipeline::Retry::Nothing); // Idle: nothing to resend.
    f.pipeline.add("a", f.now);
    CHECK(f.pipeline.lost() == Pipeline::Retry::Resend);
    CHECK(f.pipeline.lost() == Pipeline::Retry::Resend);
    CHECK(f.pipeline.lost() == Pipeline::Retry::GiveUp);
    f.pipeline.take(1, true, "A", f.now);
    CHECK(f.pipeline.lost() == Pipeline::Retry::Nothing);
}

TEST_CASE("without retries the data goes again only when the transport asks to keep it", "[reqrep]")
{
    auto const resent = [](Fixture& f) {
        f.pipeline.add("a", f.now);
        std::vector<std::string> sent;
        f.pipeline.resend(f.now, [&sent](std::uint64_t id, std::string_view data) {
            sent.push_back(std::to_string(id) + ":" + std::string(data));
        });
        return sent;
    };
    Fixture plain;
    CHECK(resent(plain) == std::vector<std::string> { "1:" }); // Not kept: nothing to send.
    Fixture kept(std::nullopt, 0, true); // NATS --wait: sent again while nobody serves.
    CHECK(resent(kept) == std::vector<std::string> { "1:a" });
    CHECK(kept.pipeline.lost() == Pipeline::Retry::GiveUp); // Still no retries.
}

TEST_CASE("without retries a lost server with requests unanswered gives up", "[reqrep]")
{
    Fixture f;
    f.pipeline.add("a", f.now);
    CHECK(f.pipeline.lost() == Pipeline::Retry::GiveUp);
}

TEST_CASE("a resend sends the unanswered requests in order and times them from then on", "[reqrep]")
{
    Fixture f(std::chrono::seconds(10), 1);
    for (auto const* data : { "a", "b", "c", "d" })
        f.pipeline.add(data, f.now);
    f.pipeline.take(3, true, "C", f.now); // Held: not sent again.
    REQUIRE(f.pipeline.lost() == Pipeline::Retry::Resend);
    f.now += 4s;
    std::vector<std::string> sent;
    f.pipeline.resend(f.now, [&sent](std::uint64_t id, std::string_view data) {
        sent.push_back(std::to_string(id) + ":" + std::string(data));
    });
    CHECK(sent == std::vector<std::string> { "1:a", "2:b", "4:d" });
    CHECK(f.pipeline.deadline() == f.now + 10s);
    f.pipeline.take(1, true, "A", f.now + 1s);
    f.pipeline.take(2, true, "B", f.now + 1s);
    // 3 was answered before the resend: its time runs from when it was first sent.
    CHECK(f.delivered == std::vector<std::string> { "1 ok A 1000", "2 ok B 1000", "3 ok C 5000" });
}

TEST_CASE(
    "the oldest unanswered request runs out of --timeout at its deadline, not before", "[reqrep]")
{
    SECTION("no --timeout: no deadline")
    {
        Fixture f;
        f.pipeline.add("a", f.now);
        CHECK_FALSE(f.pipeline.deadline());
        CHECK_FALSE(f.pipeline.overdue(f.now + std::chrono::hours(24)));
    }
    SECTION("the oldest's deadline, then the next one's")
    {
        Fixture f(2s);
        CHECK_FALSE(f.pipeline.deadline()); // Nothing in flight.
        auto const first = f.now;
        f.pipeline.add("a", first);
        f.pipeline.add("b", first + 1s);
        CHECK(f.pipeline.deadline() == first + 2s);
        CHECK_FALSE(f.pipeline.overdue(first + 2s - 1ns));
        CHECK(f.pipeline.overdue(first + 2s) == 1u);
        f.pipeline.take(1, true, "A", first + 1500ms);
        // The server could take b only once it had answered a.
        CHECK(f.pipeline.deadline() == first + 3500ms);
        CHECK_FALSE(f.pipeline.overdue(first + 3s));
        CHECK(f.pipeline.overdue(first + 3500ms) == 2u);
    }
}

TEST_CASE("a batch that a server answers one by one never runs out while each takes less than "
          "--timeout",
    "[reqrep]")
{
    Fixture f(1s);
    for (int i = 0; i < 10; ++i)
        f.pipeline.add("x", f.now); // All sent at once.
    for (std::uint64_t id = 1; id <= 10; ++id) {
        f.now += 900ms;
        CHECK_FALSE(f.pipeline.overdue(f.now));
        CHECK(f.pipeline.take(id, true, "y", f.now) == Pipeline::Taken::Delivered);
    }
    CHECK(f.pipeline.empty());
    CHECK_FALSE(f.pipeline.deadline());
}

TEST_CASE("a reply that overtakes the oldest request of its lane does not restart that one's clock",
    "[reqrep]")
{
    Fixture f(1s); // A server running two at once: 1 is stuck, 2 and 3 are answered.
    auto const first = f.now;
    for (auto const* data : { "a", "b", "c" })
        f.pipeline.add(data, first);
    f.pipeline.take(2, true, "B", first + 300ms);
    f.pipeline.take(3, true, "C", first + 600ms);
    CHECK(f.pipeline.deadline() == first + 1s);
    CHECK(f.pipeline.overdue(first + 1s) == 1u);
}

TEST_CASE(
    "each lane times its own requests: a reply on one does not restart another's clock", "[reqrep]")
{
    Fixture f(1s);
    auto const first = f.now;
    CHECK(f.pipeline.add("a", first, 0) == 1);
    CHECK(f.pipeline.add("b", first, 1) == 2);
    CHECK(f.pipeline.add("c", first, 0) == 3);
    CHECK(f.pipeline.add("d", first, 1) == 4);
    CHECK(f.pipeline.unanswered(0) == 2);
    CHECK(f.pipeline.unanswered(1) == 2);
    f.pipeline.take(1, true, "A", first + 800ms); // Lane 0 takes c now.
    f.pipeline.take(4, true, "D", first + 900ms); // Overtakes b on lane 1.
    CHECK(f.pipeline.unanswered(0) == 1);
    CHECK(f.pipeline.unanswered(1) == 1);
    CHECK(f.pipeline.deadline() == first + 1s); // b's, from when it was sent.
    CHECK(f.pipeline.overdue(first + 1s) == 2u);
    f.pipeline.take(2, true, "B", first + 1s);
    CHECK(f.pipeline.deadline() == first + 1800ms); // c's, from a's reply.
    CHECK(f.delivered == std::vector<std::string> { "1 ok A 800", "2 ok B 1000" });
}

TEST_CASE("a lost lane costs a retry only for its own unanswered requests, which go where the "
          "transport sends them",
    "[reqrep]")
{
    Fixture f(10s, 1);
    for (std::size_t lane : { 0u, 1u, 0u, 1u, 0u })
        f.pipeline.add("r", f.now, lane);
    f.pipeline.take(2, true, "B", f.now);
    f.pipeline.take(4, true, "D", f.now);
    CHECK(f.pipeline.lost(1) == Pipeline::Retry::Nothing); // Lane 1 owes nothing.
    REQUIRE(f.pipeline.lost(0) == Pipeline::Retry::Resend);
    f.now += 2s;
    std::vector<std::string> sent;
    f.pipeline.resend(0, f.now, [&sent](std::uint64_t id, std::string_view data) {
        sent.push_back(std::to_string(id) + ":" + std::string(data));
        return Pipeline::Lane { 2 };
    });
    CHECK(sent == std::vector<std::string> { "1:r", "3:r", "5:r" });
    CHECK(f.pipeline.unanswered(0) == 0);
    CHECK(f.pipeline.unanswered(2) == 3);
    CHECK(f.pipeline.deadline() == f.now + 10s);
    for (std::uint64_t id : { 5u, 3u, 1u })
        f.pipeline.take(id, true, "R", f.now + 1s);
    CHECK(f.pipeline.empty());
    CHECK(f.delivered.size() == 5);
}

TEST_CASE("--deadline ends the run at its time, whatever is in flight", "[reqrep]")
{
    Fixture f(10s);
    auto const first = f.now;
    f.pipeline.set_run_deadline(first + 3s);
    CHECK(f.pipeline.deadline() == first + 3s); // Also with nothing in flight (input to wait for).
    CHECK_FALSE(f.pipeline.run_over(first + 3s - 1ns));
    f.pipeline.add("a", first);
    CHECK(f.pipeline.deadline() == first + 3s);
    CHECK(f.pipeline.run_over(first + 3s));
    CHECK_FALSE(f.pipeline.overdue(first + 3s)); // The request itself has time left.
}

TEST_CASE("the time-limit errors name the address, the request and the limit", "[reqrep]")
{
    CHECK(ipc::reqrep::request_timeout_message("calc", 7, 2s)
        == "calc: request 7: no reply within 2s");
    CHECK(ipc::reqrep::run_timeout_message("calc", 1min, 1)
        == "calc: --deadline 1m ran out with 1 request unanswered");
    CHECK(ipc::reqrep::run_timeout_message("calc", 500ms, 0) == "calc: --deadline 500ms ran out");
}
