#pragma once

// ipc-sub on NATS. Messages reach our thread through an Inbox (inbox.hpp)
// with limits, so receive() runs on our thread alone: while the Inbox is
// full cnats keeps the rest (up to 64 MiB, no count limit) and beyond that
// drops and counts, which is reported.
// Retained messages (retained.hpp) are read once the subscriptions are in
// place, as the local backend does, and handed out first.

#include "ipc/io/loop.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/nats/census.hpp"
#include "ipc/nats/connection.hpp"
#include "ipc/nats/inbox.hpp"
#include "ipc/pubsub/subscriber.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::nats {

class Subscriber final : public pubsub::Subscriber {
public:
    Subscriber(BackendOptions const& backend, std::vector<Pattern> const& patterns,
        pubsub::SubscribeOptions const& options);
    ~Subscriber() override;

    std::optional<MessageView> receive(Stop& stop, std::function<void()> const& on_idle) override;

private:
    struct Subscription {
        natsSubscription* handle = nullptr;
        std::string pattern;
        bool shows_internal = false; // The pattern starts _IPC: _IPC. subjects are shown.
        std::int64_t dropped_reported = 0;
    };

    void subscribe(Pattern const& pattern);
    void answer_census(std::vector<Pattern> const& patterns);
    void load_retained(std::vector<Pattern> const& patterns);
    // Reports drops, unsubscribes and frees what cnats handed us; the
    // destructor's work.
    void close() noexcept;
    void take_inbox(); // Moves what the inbox holds to m_ready.
    std::optional<MessageView> accept(Inbox::Received& received);
    std::string_view headers_of(natsMsg* message);
    Subscription* find(natsSubscription* handle);
    void report_drops(Subscription& subscription, bool at_exit);
    void setup_loop(Stop& stop);

    pubsub::SubscribeOptions m_options;
    Connection m_connection;
    // Its subscription is the inbox's too, so it must outlive the inbox.
    std::unique_ptr<CensusAnswer> m_census = std::make_unique<CensusAnswer>();
    Inbox m_inbox;
    std::vector<Subscription> m_subscriptions;
    std::deque<Message> m_retained; // Handed out before any live message.
    Message m_retained_held; // The retained message handed out last.
    std::deque<Inbox::Received> m_ready; // Taken from the inbox, not handed out yet.
    MessagePtr m_held; // The message the last view points into.
    std::string m_headers; // Its header block.
    std::string m_valid_subject; // The last subject found a valid topic name.
    std::optional<io::Loop> m_loop; // Made on the first receive(), with its Stop.
};

}
