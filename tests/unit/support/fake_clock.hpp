#pragma once

// A Clock that stands still until the test moves it, so that tests of leases
// and delays need no sleeps and no timing margins.

#include "ipc/core/clock.hpp"
#include "ipc/core/parse.hpp"

#include <cstdint>

namespace ipc::test {

class FakeClock final : public Clock {
public:
    std::int64_t now_ns() override { return m_now; }
    void advance(Duration duration) { m_now += duration.count(); }

private:
    std::int64_t m_now = 1'700'000'000'000'000'000; // November 2023.
};

}
