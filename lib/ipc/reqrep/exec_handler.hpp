#pragma once

// Exec mode: one process per request, never through a shell. The request is
// its stdin and its stdout the reply; a non-zero exit, a signal,
// --handler-timeout or a reply longer than --max-size make an error reply
// (with the tail of its stderr). Its stderr also goes to ours, each line
// after the request's number. Up to `jobs` run at once; more requests
// wait in a bounded queue, and also while we are out of descriptors.

#include "ipc/io/job.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/stderr_relay.hpp"

#include <deque>
#include <optional>

namespace ipc::reqrep {

class ExecHandler final : public Handler {
public:
    // Throws Error(Usage) when the command cannot be found.
    explicit ExecHandler(HandlerOptions options);
    ~ExecHandler() override;

    void attach(io::Loop& loop, ReplyFn reply) override;
    void submit(Job const& job, std::string_view data) override;
    bool full() const override;
    std::size_t in_flight() const override { return m_queue.size() + m_running; }
    void tick() override;
    std::optional<Deadline> deadline() const override;
    void cancel(std::uint64_t connection) override;

private:
    struct Waiting {
        Job job;
        std::string data;
    };
    struct Running {
        Job job;
        io::Job process;
        StderrRelay relay {}; // Its stderr, to ours: "NAME #12: LINE".
    };

    bool start(std::size_t slot, Waiting const& waiting);
    void finish(std::size_t slot, int status);
    StderrRelay::Emit stderr_line(std::uint64_t number) const;

    HandlerOptions m_options;
    io::Loop* m_loop = nullptr;
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
