#pragma once

// The one place that chooses a backend. Only the local (brokerless) backend
// exists so far; every tool opens its endpoints through these functions.

#include "ipc/names/pattern.hpp"
#include "ipc/pubsub/publisher.hpp"
#include "ipc/pubsub/subscriber.hpp"

#include <memory>
#include <vector>

namespace ipc {

// The publisher watches stop's signals while it waits.
std::unique_ptr<pubsub::Publisher> open_publisher(
    pubsub::PublishOptions const& options, Stop& stop);

std::unique_ptr<pubsub::Subscriber> open_subscriber(
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options);

}
