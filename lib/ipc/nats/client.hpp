#pragma once

// ipc-req on NATS. Each request is published to the service's subject with
// the reply subject _INBOX.<id>.<request id>, and every reply comes back
// to the one subscription _INBOX.<id>.*; a Pipeline keeps the order, the
// retries and the timeouts. Without connections, a dead server shows only
// as a request overdue: with --retries the unanswered requests are sent
// again then (so --retries needs -t), and a reply that comes twice (the
// first server was only slow) is dropped. "No responders" from the server
// means nobody serves the name: 69, or, with --wait, the requests are sent
// again every 100 ms until a server appears or --wait runs out.

#include "ipc/core/error.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/nats/connection.hpp"
#include "ipc/nats/inbox.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/pipeline.hpp"

#include <optional>
#include <string>

namespace ipc::nats {

class Client final : public reqrep::Client {
public:
    Client(BackendOptions const& backend, reqrep::ClientOptions options, Stop& stop,
        OnReply on_reply, OnIdle on_idle);

    void send(std::string_view data) override;
    bool wait_input(int fd) override;
    bool finish() override;
    bool interrupted() const override { return m_interrupted; }

private:
    void publish(std::uint64_t id, std::string_view data);
    bool pump(int input_fd);
    void take_replies();
    void take(natsMsg* message, Deadline now);
    void no_responders(Deadline now);
    void check_overdue(Deadline now);
    [[noreturn]] void fail(Exit exit, std::string message, std::string hint = {});

    reqrep::ClientOptions m_options;
    Stop& m_stop;
    OnIdle m_on_idle;
    reqrep::Pipeline m_pipeline;
    Connection m_connection;
    std::size_t m_max_payload;
    std::string m_subject; // The service's name, NUL-terminated for cnats.
    std::string m_reply_prefix; // _INBOX.<id>.
    Inbox m_inbox;
    io::Loop m_loop;
    std::optional<Deadline> m_wait_until; // Nobody serves the name: --wait ends then.
    std::optional<Deadline> m_resend_at; // ... and the requests go again then.
    bool m_interrupted = false;
};

}
