#pragma once

// What a lossy output dropped, and when to say so: at once when dropping
// starts, then at most once per interval while it goes on (the caller
// reports the total at the end). Pure: the caller passes the time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace ipc::io {

class DropLedger {
public:
    using Clock = std::chrono::steady_clock;

    explicit DropLedger(Clock::duration interval = std::chrono::seconds(1))
        : m_interval(interval)
    {
    }

    // Whether a message of size bytes may join the held bytes under bound:
    // when it fits, and always when nothing is held, so that a message
    // larger than the bound still goes out, alone.
    static bool fits(std::size_t held, std::size_t size, std::size_t bound)
    {
        return held == 0 || (size <= bound && held <= bound - size);
    }

    void drop(std::uint64_t count) { m_total += count; }
    std::uint64_t total() const { return m_total; }

    // True when some drops are not reported yet and no report was made in
    // the last interval.
    bool report_due(Clock::time_point now) const
    {
        return m_total > m_reported && (!m_reported_at || now - *m_reported_at >= m_interval);
    }
    // The drops so far were reported at now.
    void reported(Clock::time_point now)
    {
        m_reported = m_total;
        m_reported_at = now;
    }

private:
    Clock::duration m_interval;
    std::uint64_t m_total = 0;
    std::uint64_t m_reported = 0;
    std::optional<Clock::time_point> m_reported_at;
};

}
