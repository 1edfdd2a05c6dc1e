#pragma once

// At-least-once processing: a Worker leases items of a queue and runs a
// command per item, the item on its stdin. Exit 0 acks the item; a failure
// or a timeout releases it for a retry after a doubling back-off, and after
// max_attempts it moves to the dead list with the last error.

#include "ipc/core/error.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::queue {

inline constexpr std::uint64_t default_max_attempts = 5;
inline constexpr Duration default_lease = std::chrono::minutes(5);
inline constexpr Duration default_backoff = std::chrono::seconds(1);

struct WorkOptions {
    std::vector<std::string> command; // argv of the handler, run without a shell.
    std::uint64_t jobs = 1; // Handlers at once.
    std::uint64_t max_attempts = default_max_attempts;
    Duration lease = default_lease; // Renewed every lease/2 while a handler runs.
    Duration backoff = default_backoff; // Before the first retry; doubles.
    std::optional<Duration> handler_timeout {}; // Kill a handler after this.
    std::optional<std::uint64_t> count {}; // Take this many items, then stop.
    bool drain = false; // Stop once no live item is left.
    // Ends each item on the handler's stdin, as the item was framed when
    // pushed: a line ends with its newline (framing::terminator()).
    std::optional<char> terminator = '\n';
    int output_fd = 1; // The handlers' stdout.
};

class Worker {
public:
    // Works on queue, named name for the handlers' IPC_QUEUE and messages;
    // options.command is not empty. Takes over SIGINT and SIGTERM (io::Stop).
    Worker(Queue& queue, std::string name, WorkOptions options);
    ~Worker();

    Worker(Worker const&) = delete;
    Worker& operator=(Worker const&) = delete;

    // Works until count items were taken, the queue is drained (with
    // drain), or SIGINT/SIGTERM; then waits for the running handlers and
    // records their outcome. Failed when some item moved to the dead list.
    // Throws Error(Usage) when the command cannot be run.
    Exit run();

private:
    struct Running;

    bool taking() const;
    void take();
    void start(Item const& item);
    void finish(Running& running, int status);
    void wait();
    bool want_items() const { return taking() && m_running.size() < m_options.jobs; }

    Queue& m_queue;
    std::string m_name;
    WorkOptions m_options;
    Stop m_stop { {} }; // SIGINT and SIGTERM: stop taking, finish what runs.
    io::Loop m_loop { m_stop }; // The waiter, and each handler's exit and stderr.
    std::unique_ptr<Waiter> m_waiter;
    std::vector<std::unique_ptr<Running>> m_running;
    std::uint64_t m_taken = 0;
    bool m_drained = false;
    bool m_any_dead = false;
};

}
