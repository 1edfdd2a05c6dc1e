#include "ipc/backend.hpp"

#include "ipc/pubsub/local_publisher.hpp"
#include "ipc/pubsub/local_subscriber.hpp"

namespace ipc {

std::unique_ptr<pubsub::Publisher> open_publisher(pubsub::PublishOptions const& options, Stop& stop)
{
    return std::make_unique<pubsub::LocalPublisher>(options, stop);
}

std::unique_ptr<pubsub::Subscriber> open_subscriber(
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options)
{
    return std::make_unique<pubsub::LocalSubscriber>(patterns, options);
}

}
