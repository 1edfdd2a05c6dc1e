#pragma once

// Wall-clock time behind an interface: code whose behaviour depends on the
// time of day (leases, delays, rates) takes a Clock&, and its tests move a
// FakeClock by hand instead of sleeping.

#include "ipc/core/time.hpp"

#include <cstdint>

namespace ipc {

class Clock {
public:
    virtual ~Clock() = default;
    // Unix time now, in nanoseconds.
    virtual std::int64_t now_ns() = 0;
};

// The real clock, CLOCK_REALTIME: what stored timestamps are made of.
inline Clock& system_clock()
{
    class System final : public Clock {
    public:
        std::int64_t now_ns() override { return ipc::now_ns(); }
    };
    static System clock;
    return clock;
}

}
