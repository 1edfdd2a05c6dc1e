#pragma once

// Exec mode: one process per request, never through a shell. The request is
// its stdin and its stdout the reply; a non-zero exit, a signal,
// --handler-timeout or a reply longer than --max-size make an error reply
// (with the tail of its stderr). Up to `jobs` run at once; more requests
// wait in a bounded queue, and also while we are out of descriptors.

#include "ipc/io/job.hpp"
#include "ipc/reqrep/handler.hpp"

#include <deque>
#include <optional>

namespace ipc::reqrep {

class ExecHandler final : public Handler {
public:
    // Throws Error(Usage) when the command cannot be found.
    explicit ExecHandler(HandlerOptions options);
    ~ExecHandler() override;

    void attach(io::Poller& poller, std::uint64_t first_tag, ReplyFn reply) override;
    void submit(Job const& job, std::string_view data) override;
    bool full() const override;
    std::size_t in_flight() const override { return m_queue.size() + m_running; }
    void on_event(std::uint64_t tag, std::uint32_t events) override;
    void tick() override;
    int timeout_ms() const override;
    void cancel(std::uint64_t connection) override;

private:
    struct Waiting {
        Job job;
        std::string data;
    };
    struct Running {
        Job job;
        io::Job process;
    };

    bool start(std::size_t slot, Waiting const& waiting);
    void read_reply(Running& running);
    void read_errors(Running& running);
    void finish(std::size_t slot, int status);
    std::uint64_t tag(std::size_t slot) const { return m_first_tag + 3 * slot; }

    HandlerOptions m_options;
    io::Poller* m_poller = nullptr;
    std::uint64_t m_first_tag = 0;
    ReplyFn m_reply;
    std::deque<Waiting> m_queue;
    std::vector<std::optional<Running>> m_slots;
    std::size_t m_running = 0;
    bool m_starved = false; // Out of descriptors: start more once a handler ends.
};

// The one-line reason of a failed handler: "exit 3: no such file" or
// "killed by SIGKILL". Of the stderr tail a Job keeps, an error reply shows
// the last stderr_limit bytes: it becomes one line on the client's terminal.
inline constexpr std::size_t stderr_limit = 1024;
std::string describe_failure(int status, std::string_view errors);

}
