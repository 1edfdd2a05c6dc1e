#pragma once

// When a tool's loop should end: --count, --timeout, --idle, SIGINT, SIGTERM.
// Stop blocks SIGINT and SIGTERM and exposes a signalfd to poll on, so no work
// happens in a signal handler; exit() turns the reason into the exit status.

#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/core/parse.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <signal.h>

namespace ipc::io {
class Loop;
}

namespace ipc {

struct Limits {
    std::optional<std::uint64_t> count {}; // -n: stop after N messages.
    std::optional<Duration>
        timeout {}; // -t: give up after D (exit 124 unless the count was reached).
    std::optional<Duration> idle {}; // --idle: stop after D without a message (exit 0).
};

class Stop {
public:
    using Clock = std::chrono::steady_clock;

    // Starts the clock and takes over SIGINT and SIGTERM.
    explicit Stop(Limits const& limits);
    ~Stop(); // Restores the signal mask.

    Stop(Stop const&) = delete;
    Stop& operator=(Stop const&) = delete;

    // The signalfd to watch; call check_signal() when it is readable.
    int signal_fd() const { return m_signal_fd.get(); }
    void check_signal();

    // Also ends the loop when the reader of fd (our stdout) goes away while
    // we wait, so `ipc-sub t | head -n1` ends without another message.
    // Tools that poll call output_closed() when fd reports an error.
    void watch_output(int fd) { m_output_fd = fd; }
    int output_fd() const { return m_output_fd; }
    void output_closed() { m_output_closed = true; }

    // An output that must never hold the loop up (io::LossyOutput) is
    // written from the loop that waits: while pending() holds, that loop
    // asks for EPOLLOUT on output_fd() and calls write() when it comes.
    struct OutputDrain {
        std::function<bool()> pending;
        std::function<void()> write;
    };
    void drain_output(OutputDrain drain) { m_drain = std::move(drain); }

    // For the loop that waits (a subscriber's), which this Stop outlives:
    // watches output_fd() in loop when epoll can, so that an error or a
    // hang-up ends the loop and the drain gets its EPOLLOUT; false when not.
    bool watch_output_in(io::Loop& loop);
    // Before each wait: asks for EPOLLOUT while the drain has bytes pending.
    void refresh_output_in(io::Loop& loop);

    // Records one message, or count of them (resets the idle clock).
    void count_one() { count(1); }
    void count(std::uint64_t count);
    // How many messages --count still allows (the largest number without it).
    std::uint64_t remaining() const
    {
        return m_limits.count ? *m_limits.count - std::min(*m_limits.count, m_counted) : UINT64_MAX;
    }
    std::uint64_t counted() const { return m_counted; }

    // True once the loop should end (count reached, timeout, idle, signal).
    bool done();

    // Cheap per-message check of --count alone (done() also reads the clock).
    bool count_reached() const { return m_limits.count && m_counted >= *m_limits.count; }

    // --timeout alone, for work that goes on past --count (pop waiting for
    // its reader to take what it wrote): true once it has run out (exit()
    // then says Timeout), and the milliseconds left for poll (-1: none).
    bool timed_out();
    int timeout_ms() const;

    // Sleeps for duration unless a signal or the timeout comes first; false then.
    bool sleep(Duration duration);

    // The next of the --timeout and --idle deadlines, if any.
    std::optional<Deadline> deadline() const;
    // Milliseconds until deadline() for poll/epoll, or -1 for none.
    int wait_ms() { return ms_until(deadline()); }

    // Why the loop ended, for tools whose normal end is a signal: Timeout
    // when --timeout ran out, else Ok (count reached, idle, SIGINT, SIGTERM).
    Exit exit() const;
    // The same, but 130/143 when SIGINT/SIGTERM cut the task short.
    Exit interrupted_exit() const;
    // The signal that ended the loop, 0 if none.
    int signal() const { return m_signal; }

private:
    Limits m_limits;
    Clock::time_point m_start;
    Clock::time_point m_last;
    std::uint64_t m_counted = 0;
    int m_signal = 0;
    bool m_timed_out = false;
    bool m_idled = false;
    bool m_output_closed = false;
    int m_output_fd = -1;
    OutputDrain m_drain;
    Fd m_signal_fd;
    sigset_t m_old_mask {};
};

}
