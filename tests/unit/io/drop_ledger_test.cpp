#include "ipc/io/drop_ledger.hpp"

#include <catch2/catch.hpp>

namespace {

using ipc::io::DropLedger;
using namespace std::chrono_literals;

}

TEST_CASE("a message fits when the bound has room for it, or when nothing is held", "[io]")
{
    CHECK(DropLedger::fits(0, 10, 100));
    CHECK(DropLedger::fits(90, 10, 100));
    CHECK_FALSE(DropLedger::fits(91, 10, 100));
    CHECK(DropLedger::fits(0, 1000, 100)); // Larger than the bound, but alone.
    CHECK_FALSE(DropLedger::fits(1, 1000, 100));
    CHECK_FALSE(DropLedger::fits(200, 0, 100)); // Held beyond the bound already.
}

TEST_CASE("drops are reported at once, then at most once per interval, and counted in all", "[io]")
{
    DropLedger ledger(1s);
    DropLedger::Clock::time_point const start {};
    CHECK_FALSE(ledger.report_due(start)); // Nothing dropped.
    ledger.drop(3);
    REQUIRE(ledger.report_due(start)); // The first drop: at once.
    ledger.reported(start);
    CHECK_FALSE(ledger.report_due(start + 500ms)); // Nothing new.
    ledger.drop(1);
    CHECK_FALSE(ledger.report_due(start + 999ms)); // New, but too soon.
    REQUIRE(ledger.report_due(start + 1s));
    ledger.reported(start + 1s);
    CHECK_FALSE(ledger.report_due(start + 10s)); // Quiet since: nothing to say.
    ledger.drop(2);
    CHECK(ledger.report_due(start + 10s)); // Dropping again after a pause: at once.
    CHECK(ledger.total() == 6);
}
