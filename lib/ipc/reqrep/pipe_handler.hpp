#pragma once

// Co-process mode (--pipe -- CMD) and stdio mode (no CMD): requests are
// written framed to a long-lived reader and its framed replies come back in
// the same order. --pipe starts `jobs` copies of CMD and restarts one that
// dies; the request it held gets an error reply and the ones queued behind
// it go to the new copy. Stdio mode writes each request to our stdout and
// reads its reply from our stdin, one at a time.

#include "ipc/framing/splitter.hpp"
#include "ipc/io/child.hpp"
#include "ipc/reqrep/handler.hpp"

#include <deque>
#include <memory>
#include <optional>

namespace ipc::reqrep {

class PipeHandler final : public Handler {
public:
    // Starts the co-processes (none in stdio mode). Throws Error(Usage) for
    // framing that cannot delimit requests (--whole) or a command that cannot run.
    explicit PipeHandler(HandlerOptions options);
    ~PipeHandler() override;

    void attach(io::Poller& poller, std::uint64_t first_tag, ReplyFn reply) override;
    void submit(Job const& job, std::string_view data) override;
    bool full() const override;
    std::size_t in_flight() const override { return m_in_flight; }
    void on_event(std::uint64_t tag, std::uint32_t events) override;
    void tick() override;
    int timeout_ms() const override { return -1; }
    bool finished() const override { return m_finished; }

private:
    struct Held {
        Job job;
        std::string data; // Kept to send again if the co-process dies first.
    };
    struct Worker;

    bool stdio() const { return m_options.command.empty(); }
    void start(Worker& worker);
    void send(Worker& worker, Held held);
    void write_out(Worker& worker);
    void read_in(Worker& worker);
    void died(Worker& worker, std::string const& why);
    Worker& choose();

    HandlerOptions m_options;
    io::Poller* m_poller = nullptr;
    std::uint64_t m_first_tag = 0;
    ReplyFn m_reply;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::deque<Held> m_queue; // Stdio mode: waiting for the one in progress.
    std::size_t m_in_flight = 0;
    bool m_finished = false;
    bool m_poll_stdin = true; // False when stdin is a file (always readable).
    bool m_warned_unasked = false;
};

}
