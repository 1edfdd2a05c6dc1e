#pragma once

// ipc-sub on NATS. cnats hands each message to on_message on its thread;
// that appends it to an Inbox and writes the Inbox's eventfd, which our
// io::Loop watches, so receive() runs on our thread alone. While the Inbox
// is full on_message waits: cnats then keeps the rest (up to 64 MiB, no
// count limit) and beyond that drops and counts, which is reported.

#include "ipc/io/loop.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/nats/census.hpp"
#include "ipc/nats/connection.hpp"
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

    struct Received {
        natsMsg* message;
        natsSubscription* subscription;
        std::int64_t time_ns; // When it reached us: NATS messages carry no time.
    };
    struct Inbox;

private:
    struct Subscription {
        natsSubscription* handle = nullptr;
        std::string pattern;
        bool shows_internal = false; // The pattern starts _IPC: _IPC. subjects are shown.
        std::int64_t dropped_reported = 0;
    };

    void subscribe(Pattern const& pattern);
    void answer_census(std::vector<Pattern> const& patterns);
    // Unsubscribes and frees what cnats handed us; the destructor's work.
    void close() noexcept;
    void take_inbox();
    std::optional<MessageView> accept(Received const& received);
    std::string_view headers_of(natsMsg* message);
    Subscription* find(natsSubscription* handle);
    void report_drops(Subscription& subscription, bool at_exit);
    void release_held();
    void setup_loop(Stop& stop);

    pubsub::SubscribeOptions m_options;
    Connection m_connection;
    std::unique_ptr<Inbox> m_inbox;
    std::vector<Subscription> m_subscriptions;
    // Its subscription completes in the inbox, as the others do.
    std::unique_ptr<CensusAnswer> m_census = std::make_unique<CensusAnswer>();
    natsSubscription* m_census_subscription = nullptr;
    std::deque<Received> m_ready; // Taken from the inbox, not handed out yet.
    natsMsg* m_held = nullptr; // The message the last view points into.
    std::string m_headers; // Its header block.
    std::string m_valid_subject; // The last subject found a valid topic name.
    std::optional<io::Loop> m_loop; // Made on the first receive(), with its Stop.
};

}
