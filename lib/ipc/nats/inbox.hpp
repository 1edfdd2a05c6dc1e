#pragma once

// The one way messages cross from cnats' threads to ours: cnats calls back
// on_message for each message of our subscriptions, which appends it to a
// locked list and writes an eventfd that our io::Loop watches; take() hands
// the list over on our thread. Unbounded by default: a client has at most
// Pipeline's requests in flight, and a server's requests wait here while its
// handler is full (cnats' own pending limit, 64 MiB, bounds what reaches
// us). With Limits (ipc-sub) the callback waits while the list is full, so
// cnats keeps the rest up to its limit, and beyond that drops and counts.

#include "ipc/nats/connection.hpp"

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ipc::nats {

// The header of an error reply (ipc-serve's); NATS micro's say Nats-Service-Error.
inline constexpr auto reply_status_header = "Ipc-Status";
inline constexpr auto reply_status_error = "error";

// What cnats keeps for a subscription that is behind, however many messages
// it is (its default, 65,536 messages, drops bursts of small ones).
inline constexpr int subscription_pending_bytes = 64 * 1024 * 1024;

struct MessageFree {
    void operator()(natsMsg* message) const noexcept { api().natsMsg_Destroy(message); }
};
using MessagePtr = std::unique_ptr<natsMsg, MessageFree>;

// How much an Inbox holds before cnats' callback waits for room.
struct InboxLimits {
    std::size_t bytes = std::numeric_limits<std::size_t>::max();
    std::size_t messages = std::numeric_limits<std::size_t>::max();
};

class Inbox {
public:
    using Limits = InboxLimits;
    struct Received {
        MessagePtr message;
        natsSubscription* subscription; // Whose message it is.
        std::int64_t time_ns; // When it reached us: NATS messages carry no time.
    };

    explicit Inbox(Connection& connection, Limits limits = {});
    // The same, subscribed to subject (see subscribe()).
    Inbox(Connection& connection, std::string const& subject, std::string const& group = {});
    // close().
    ~Inbox();
    Inbox(Inbox const&) = delete;
    Inbox& operator=(Inbox const&) = delete;

    // Subscribes to subject, in queue group when it is not empty, with
    // cnats' pending limits at no count and 64 MiB. Throws Error as
    // Connection does.
    natsSubscription* subscribe(std::string const& subject, std::string const& group = {});
    // Counts subscription, made elsewhere with a handler of its own, as one
    // of ours: it is unsubscribed, waited for and freed with them.
    void adopt(natsSubscription* subscription);
    // The first subscription.
    natsSubscription* get() const { return m_subscriptions.front(); }

    // Readable when messages wait, or a subscription has ended.
    int event_fd() const;
    // Reads event_fd() and returns the messages that came, oldest first.
    std::deque<Received> take();
    // True once cnats will deliver nothing more on any subscription (after a
    // drain, or the count of an AutoUnsubscribe).
    bool ended() const;

    // Unsubscribes all and waits (up to 2 s) for cnats to be done with our
    // callbacks; the subscriptions are freed once the connection is closed
    // (Connection::destroy_later). False when cnats was not done: what the
    // callbacks of adopted subscriptions point to must then stay allocated.
    // Later calls do nothing and return true.
    bool close() noexcept;

private:
    struct Shared;
    void watch(natsSubscription* subscription, std::string const& what);

    Connection& m_connection;
    std::unique_ptr<Shared> m_shared;
    std::vector<natsSubscription*> m_subscriptions;
};

}
