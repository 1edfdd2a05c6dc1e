#pragma once

// ipc-pub on NATS: each message is published on its topic as a subject,
// headers as NATS headers. cnats buffers and sends on its own, so nothing
// here blocks on a subscriber (--drop has nothing to do); finish() waits
// until the server has everything (a flush round trip) and has not refused
// any of it. --wait-subs counts subscribers by a census (census.hpp).
// --retain keeps the last message of each topic and stores it in the
// retained bucket (retained.hpp) at each flush, after it was published.

#include "ipc/io/loop.hpp"
#include "ipc/nats/census.hpp"
#include "ipc/nats/connection.hpp"
#include "ipc/nats/retained.hpp"
#include "ipc/pubsub/publisher.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ipc::nats {

class Publisher final : public pubsub::Publisher {
public:
    Publisher(BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop);

    bool publish(MessageView const& message) override;
    bool flush() override;
    bool finish() override;
    bool wait_readable(int fd) override;
    bool wait_for_subscribers(std::string const& topic, std::uint64_t count) override;
    std::vector<Delivery> drops() const override { return {}; }

private:
    void publish_with_headers(MessageView const& message);
    void store_retained();

    pubsub::PublishOptions m_options;
    Stop& m_stop;
    // Before the connection, so it outlives every callback cnats makes.
    std::unique_ptr<CensusTally> m_census;
    Connection m_connection;
    std::size_t m_max_payload;
    std::optional<RetainedBucket> m_bucket; // Under --retain.
    std::map<std::string, std::string> m_retained; // Topic -> data, stored at flush.
    std::string m_subject; // The last topic, NUL-terminated for cnats.
    std::optional<io::Loop> m_loop; // For wait_readable().
};

}
