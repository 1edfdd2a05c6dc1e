#pragma once

// The local backend's Client: one connection (unix or TCP) to a server of
// the address, requests batched into Request frames and their Reply frames
// fed to a Pipeline, which keeps the order, the retries and the timeouts.
// On a lost connection the requests still unanswered are sent again, to
// another server of the same name when there is one.

#include "ipc/core/error.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/connect.hpp"
#include "ipc/reqrep/pipeline.hpp"
#include "ipc/wire/decoder.hpp"

#include <memory>
#include <string>

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
    void connect(std::string const& avoid);
    void disconnect();
    bool pump(int input_fd, bool block);
    void write_out();
    void read_replies();
    void take(wire::Reply const& reply);
    void lost(char const* why);
    [[noreturn]] void fail(Exit exit, std::string message, std::string hint = {});

    ClientOptions m_options;
    Stop& m_stop;
    io::Loop m_loop; // The stop's signalfd and the connection.
    std::uint32_t m_socket_events = 0; // What the last wait saw on the connection.
    OnIdle m_on_idle;
    Pipeline m_pipeline;
    Connected m_connection;
    io::OutBuffer m_out; // Frames not yet written.
    std::unique_ptr<char[]> m_in;
    wire::Decoder m_decoder;
    bool m_interrupted = false;
    bool m_connected = false;
    std::uint64_t m_generation = 0; // Counts connections made.
};

}
