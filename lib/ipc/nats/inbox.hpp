#pragma once

// One subscription whose messages cross from cnats' thread to ours, for
// request-response: cnats' callback appends each message to a locked list
// and writes an eventfd that our io::Loop watches; take() hands the list
// over on our thread. Unbounded: a client has at most Pipeline's requests in
// flight, and a server's requests wait here while its handler is full
// (cnats' own pending limit, 64 MiB, bounds what reaches us).

#include "ipc/nats/connection.hpp"

#include <deque>
#include <memory>
#include <string>

namespace ipc::nats {

// The header of an error reply (ipc-serve's); NATS micro's say Nats-Service-Error.
inline constexpr auto reply_status_header = "Ipc-Status";
inline constexpr auto reply_status_error = "error";

struct MessageFree {
    void operator()(natsMsg* message) const noexcept { api().natsMsg_Destroy(message); }
};
using MessagePtr = std::unique_ptr<natsMsg, MessageFree>;

class Inbox {
public:
    // Subscribes to subject, in queue group when it is not empty. Throws
    // Error as Connection does.
    Inbox(Connection& connection, std::string const& subject, std::string const& group = {});
    // Unsubscribes and waits (up to 2 s) for cnats to be done with us.
    ~Inbox();
    Inbox(Inbox const&) = delete;
    Inbox& operator=(Inbox const&) = delete;

    natsSubscription* get() const { return m_subscription; }
    // Readable when messages wait, or the subscription has ended.
    int event_fd() const;
    // Reads event_fd() and returns the messages that came, oldest first.
    std::deque<MessagePtr> take();
    // True once cnats will deliver nothing more (after a drain, or the
    // count of an AutoUnsubscribe).
    bool ended() const;

private:
    struct Shared;
    Connection& m_connection;
    std::unique_ptr<Shared> m_shared;
    natsSubscription* m_subscription = nullptr;
};

}
