#pragma once

// pop: takes items of a queue to an output, and removes each once its reader
// has taken it. Into a pipe that is once the reader has read the item's last
// byte (the bytes still unread in the pipe tell: FIONREAD); elsewhere (a
// file, a terminal, a socket) once it is written. Items written and not yet
// taken stay leased, their lease renewed, and go back to the queue when the
// reader goes away or pop is stopped. A reader that reads ahead (head) has
// taken what it read: for those items delivery is at most once.

#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/framing/options.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/queue/ledger.hpp"
#include "ipc/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ipc::queue {

inline constexpr Duration default_pop_lease = std::chrono::minutes(1);

struct PopOptions {
    framing::Options framing {};
    Limits limits {}; // --count (unset: every item), --timeout, --idle.
    bool wait = false; // Wait for items when the queue is empty.
    Duration lease = default_pop_lease; // Renewed every lease/2 until taken.
    int output_fd = 1;
};

class Popper {
public:
    // Pops from queue, named name for messages.
    // Takes over SIGINT and SIGTERM (io::Stop).
    Popper(Queue& queue, std::string name, PopOptions const& options);
    ~Popper();

    Popper(Popper const&) = delete;
    Popper& operator=(Popper const&) = delete;

    // Takes items until the count, an empty queue (without wait), --idle,
    // --timeout, a signal or the reader leaving, then waits until the
    // reader has taken all it was given or has gone, and puts back what it
    // did not take. Returns Timeout when --timeout cut it short, else Ok.
    // Throws StdoutClosed when a write found the reader gone (after giving
    // back what it had not taken).
    Exit run();

    // Items the reader took.
    std::uint64_t taken() const { return m_taken; }

private:
    void write();
    std::span<Item const> unwritten() const;
    bool wait_for_items();
    bool wait_writable();
    void finish();
    void settle();
    void renew();
    void give_back() noexcept;
    bool wait_once(bool writable, bool woken, int timeout_ms);
    int renew_ms() const;
    int output() const { return m_own ? m_own.get() : m_options.output_fd; }

    Queue& m_queue;
    std::string m_name;
    PopOptions m_options;
    Stop m_stop;
    io::Loop m_loop; // The stop's signalfd, the output and the waiter.
    std::uint32_t m_output_events = 0, m_waiter_events = 0; // Seen by the last wait.
    std::unique_ptr<Waiter> m_waiter; // With wait.
    bool m_pipe = false; // The output is a pipe: taken = written - unread.
    Fd m_own; // A non-blocking description of the output pipe, if /proc gave one.
    framing::Writer m_out;
    Ledger m_ledger; // Written, not taken yet.
    std::vector<Item> m_batch; // Leased, being written: those from m_written on
    std::size_t m_written = 0; // are not in the ledger yet.
    std::chrono::steady_clock::time_point m_renew_at;
    bool m_reader_gone = false;
    std::uint64_t m_taken = 0;
};

}
