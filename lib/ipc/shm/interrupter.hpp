#pragma once

// Ends futex waits early: SIGINT and SIGTERM stay blocked (Stop reads them
// from its signalfd) and a futex wait cannot poll an fd, so a thread polls
// Stop's signalfd and stdout and, once one fires, calls wake() again and again
// until the waiting loop acknowledges it has seen fired().

#include "ipc/core/fd.hpp"
#include "ipc/io/stop.hpp"

#include <atomic>
#include <functional>
#include <thread>

namespace ipc::shm {

class Interrupter {
public:
    // wake must be safe to call from another thread until acknowledge().
    Interrupter(Stop const& stop, std::function<void()> wake);
    ~Interrupter();
    Interrupter(Interrupter const&) = delete;
    Interrupter& operator=(Interrupter const&) = delete;

    // True once a signal arrived or stdout's reader went away.
    bool fired() const { return m_fired.load(); }
    // Stops the waking; call once fired() was seen, and before wake's target goes.
    void acknowledge() { m_acknowledged.store(true); }

    // When fired(): records the signal in stop, or else that stdout closed.
    void settle(Stop& stop);

private:
    void run(Stop const& stop);
    // Waits for m_quit (true) or a signal or stdout's reader leaving (false).
    bool wait_for_either(Stop const& stop);

    std::function<void()> m_wake;
    Fd m_quit; // Readable once the waiting is over.
    std::atomic<bool> m_fired { false };
    std::atomic<bool> m_acknowledged { false };
    std::thread m_thread;
};

}
