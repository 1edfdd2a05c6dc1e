#pragma once

// Publish-subscribe on NATS, behind the pubsub interfaces: subjects are our
// topic names 1:1, so the tools talk to any NATS program. This header does
// not include nats.h: backend.cpp opens these, and a build without cnats
// (meson -Dnats=disabled) gets versions that say so (absent.cpp).

#include "ipc/names/pattern.hpp"
#include "ipc/names/url.hpp"
#include "ipc/pubsub/listing.hpp"
#include "ipc/pubsub/publisher.hpp"
#include "ipc/pubsub/retain.hpp"
#include "ipc/pubsub/subscriber.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::nats {

// Throws Error: 69 when the library or a server is missing (see
// Connection), or JetStream under --retain.
std::unique_ptr<pubsub::Publisher> open_publisher(
    BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop);

// Subscribes to each pattern not covered by another (NATS would deliver a
// message once per matching subscription); with options.group as a NATS
// queue group. Throws as open_publisher does.
std::unique_ptr<pubsub::Subscriber> open_subscriber(BackendOptions const& backend,
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options);

// The listings (backend.hpp): the ipckit subscribers that answer a census
// (within a short wait), and the keys of the bucket of retained messages.
std::vector<pubsub::SubscriberInfo> list_subscribers(
    BackendOptions const& backend, std::optional<std::string> const& topic);
std::vector<pubsub::RetainedInfo> list_retained(
    BackendOptions const& backend, std::optional<Pattern> const& pattern);

}
