#pragma once

// Session mode (--session -- CMD): a copy of CMD per client, started at the
// client's first request, whose stdin is that client's requests and whose
// stdout their replies, framed as in co-process mode, one reply per
// request and in order; so it keeps state (bc's variables) while its client
// stays. When the client goes, the copy reads end-of-file and has the
// handler timeout to exit, then gets SIGTERM, then SIGKILL as long after;
// its process group is killed once it exits. A copy that exits, or that
// holds requests and prints no reply for the handler timeout (it is killed),
// ends its session: the requests it holds, and those its client sends
// after, get error replies. At most `jobs` sessions run at once: a client
// beyond them gets error replies, unless one of them is ending (its client
// gone), whose end it waits for. On a drain, each copy gets end-of-file
// once it has answered, and the server waits for it as above.

#include "ipc/framing/splitter.hpp"
#include "ipc/reqrep/handler.hpp"

#include <deque>
#include <memory>
#include <unordered_map>

namespace ipc::reqrep {

class SessionHandler final : public Handler {
public:
    // Throws Error(Usage) for --whole framing or a command that cannot run.
    explicit SessionHandler(HandlerOptions options);
    ~SessionHandler() override; // Each Child kills and reaps its group.

    void attach(io::Loop& loop, ReplyFn reply) override;
    void submit(Job const& job, std::string_view data) override;
    bool full() const override;
    std::size_t in_flight() const override { return m_in_flight; }
    void tick() override;
    std::optional<Deadline> deadline() const override;
    void cancel(std::uint64_t connection) override;
    void drain() override;
    bool ending() const override { return m_running > 0; }

private:
    struct Session;

    Session& open(Job const& job);
    void start(Session& session);
    void send(Session& session, Job const& job, std::string_view data);
    void write_out(Session& session, bool broken = false);
    bool read_in(std::uint64_t connection);
    void deliver(Session& session);
    void exited(std::uint64_t connection);
    void close(Session& session);
    void end(Session& session, std::string const& now, std::string over);
    void fail(Job const& job, std::string_view reason);
    void admit();
    Session* find(std::uint64_t connection) const;

    HandlerOptions m_options;
    Duration m_timeout;
    io::Loop* m_loop = nullptr;
    ReplyFn m_reply;
    std::unordered_map<std::uint64_t, std::unique_ptr<Session>> m_sessions; // By connection.
    std::deque<std::uint64_t> m_admissions; // Connections waiting for a session, oldest first.
    std::size_t m_running = 0; // Sessions with a process (live or ending).
    std::size_t m_closing = 0; // Of those, the ones ending.
    std::size_t m_in_flight = 0;
    bool m_draining = false;
    bool m_warned_unasked = false;
};

}
