#pragma once

// The local backend's Client: connections (unix or TCP) to the servers of
// the address, requests batched into Request frames and their Reply frames
// fed to a Pipeline, which keeps the order, the retries and the timeouts.
// A batch spreads over every server of a NAME: while each connection has a
// request unanswered, the next request opens one to another server, and
// each request goes to the connection with the fewest unanswered. On a lost
// connection its unanswered requests go to the others (or to a new one).

#include "ipc/core/error.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/connect.hpp"
#include "ipc/reqrep/pipeline.hpp"
#include "ipc/wire/decoder.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

class LocalClient final : public Client {
public:
    // Connects at once (waiting up to options.wait). Throws Error(Unavailable)
    // when no server listens.
    LocalClient(ClientOptions options, Stop& stop, OnReply on_reply, OnIdle on_idle);
    ~LocalClient() override;

    void send(std::string_view data) override;
    bool wait_input(int fd) override;
    bool finish() override;
    bool interrupted() const override { return m_interrupted; }

private:
    struct Lane; // One connection: Pipeline::Lane is its index in m_lanes.

    bool connect(std::string const& avoid);
    void open(Connected connected);
    void close(Lane& lane);
    bool any_open() const;
    Pipeline::Lane pick() const;
    Pipeline::Lane spread(Pipeline::Lane lane);
    bool pump(int input_fd, bool block);
    void write_out(Lane& lane);
    void read_replies(Lane& lane);
    void take(wire::Reply const& reply);
    void lost(Lane& lane, char const* why);
    void check_time();
    [[noreturn]] void fail(Exit exit, std::string message, std::string hint = {});

    ClientOptions m_options;
    Stop& m_stop;
    io::Loop m_loop; // The stop's signalfd and the connections.
    OnIdle m_on_idle;
    Pipeline m_pipeline;
    std::vector<std::unique_ptr<Lane>> m_lanes; // Closed ones stay: their index is taken.
    std::unique_ptr<char[]> m_in;
    std::string m_last_server; // The server of the connection closed last.
    Deadline m_started = std::chrono::steady_clock::now();
    bool m_spread; // Other servers of the name may be there.
    bool m_interrupted = false;
};

}
