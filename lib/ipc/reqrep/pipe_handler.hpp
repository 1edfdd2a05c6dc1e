#pragma once

// Co-process mode (--pipe -- CMD) and stdio mode (no CMD): requests are
// written framed to a long-lived reader and its framed replies come back in
// the same order. --pipe starts `jobs` copies of CMD. A copy holds the
// requests of one client at a time: a reply it leaves out shifts replies
// within that client's requests, never onto another's. A copy
// that dies, or gives no reply within the handler timeout, is killed with
// its pipes and started again; the request it was on gets an error reply
// and the ones queued behind it go to the new copy. Stdio mode writes each
// request to our stdout and reads its reply from our stdin, one at a time.
// A copy's stderr goes to ours, each line after the number of the request
// it holds longest, if any: the one it is on, unless it writes errors after
// a reply that we have not read yet (two pipes have no common order).

#include "ipc/framing/splitter.hpp"
#include "ipc/io/child.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/stderr_relay.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>

namespace ipc::reqrep {

class PipeHandler final : public Handler {
public:
    // Starts the co-processes (none in stdio mode). Throws Error(Usage) for
    // framing that cannot delimit requests (--whole) or a command that cannot run.
    explicit PipeHandler(HandlerOptions options);
    ~PipeHandler() override;

    void attach(io::Loop& loop, ReplyFn reply) override;
    void submit(Job const& job, std::string_view data) override;
    bool full() const override;
    std::size_t in_flight() const override { return m_in_flight; }
    void tick() override;
    std::optional<Deadline> deadline() const override;
    void cancel(std::uint64_t connection) override;
    bool finished() const override { return m_finished; }
    void on_start(StartFn started) override { m_started = std::move(started); }

private:
    using Clock = std::chrono::steady_clock;
    struct Held {
        Job job;
        std::string data; // Kept to send again if the co-process dies first.
    };
    struct Worker;

    bool stdio() const { return m_options.command.empty(); }
    void start(Worker& worker);
    Worker* choose(std::uint64_t connection);
    void assign(Worker& worker);
    void send(Worker& worker, Held held);
    void write_out(Worker& worker);
    void read_in(Worker& worker);
    void read_errors(Worker& worker);
    StderrRelay::Emit stderr_line(Worker const& worker) const;
    bool deliver(Worker& worker);
    void died(Worker& worker, std::string const& why);
    int stop(Worker& worker);
    void fail_front(Worker& worker, std::string const& reason);
    void fail_waiting(std::string const& reason);

    HandlerOptions m_options;
    Duration m_timeout;
    io::Loop* m_loop = nullptr;
    ReplyFn m_reply;
    StartFn m_started;
    std::vector<std::unique_ptr<Worker>> m_workers;
    // Requests not written yet: per connection, in order, and the connections
    // that have some, oldest first.
    std::unordered_map<std::uint64_t, std::deque<Held>> m_pending;
    std::deque<std::uint64_t> m_waiting;
    std::size_t m_queued = 0; // Requests in m_pending.
    std::size_t m_in_flight = 0;
    bool m_finished = false;
    bool m_poll_stdin = true; // False when stdin is a file (always readable).
    bool m_warned_unasked = false;
};

}
