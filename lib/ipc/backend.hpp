#pragma once

// The one place that chooses a backend. Only the local (brokerless) backend
// exists so far; every tool opens its endpoints through these functions.

#include "ipc/names/pattern.hpp"
#include "ipc/pubsub/publisher.hpp"
#include "ipc/pubsub/subscriber.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/server.hpp"

#include <memory>
#include <vector>

namespace ipc {

// The publisher watches stop's signals while it waits.
std::unique_ptr<pubsub::Publisher> open_publisher(
    pubsub::PublishOptions const& options, Stop& stop);

std::unique_ptr<pubsub::Subscriber> open_subscriber(
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options);

// Connects to a server of options.address (see reqrep::Client).
std::unique_ptr<reqrep::Client> open_client(reqrep::ClientOptions const& options, Stop& stop,
    reqrep::Client::OnReply on_reply, reqrep::Client::OnIdle on_idle);

// Binds options.address and starts the handler: exec mode with a command,
// co-processes with handler.pipe, stdio mode without a command.
std::unique_ptr<reqrep::Server> open_server(
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop);

}
