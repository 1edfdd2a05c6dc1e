#pragma once

// The one place that chooses a backend. Only the local (brokerless) backend
// exists so far; every tool opens its endpoints and queues through these
// functions, and tests/unit/backend holds the cases every backend must pass.

#include "ipc/names/pattern.hpp"
#include "ipc/names/url.hpp"
#include "ipc/pubsub/listing.hpp"
#include "ipc/pubsub/publisher.hpp"
#include "ipc/pubsub/retain.hpp"
#include "ipc/pubsub/subscriber.hpp"
#include "ipc/queue/queue.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/listing.hpp"
#include "ipc/reqrep/server.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc {

// The publisher watches stop's signals while it waits.
std::unique_ptr<pubsub::Publisher> open_publisher(
    pubsub::PublishOptions const& options, Stop& stop);

std::unique_ptr<pubsub::Subscriber> open_subscriber(
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options);

// The same in the backend that backend.url names: local, or NATS (which
// throws Error(Unavailable) when libnats or the server is missing).
std::unique_ptr<pubsub::Publisher> open_publisher(
    BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop);
std::unique_ptr<pubsub::Subscriber> open_subscriber(BackendOptions const& backend,
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options);

// Connects to a server of options.address (see reqrep::Client).
std::unique_ptr<reqrep::Client> open_client(reqrep::ClientOptions const& options, Stop& stop,
    reqrep::Client::OnReply on_reply, reqrep::Client::OnIdle on_idle);

// Binds options.address and starts the handler that handler asks for
// (reqrep::make_handler chooses).
std::unique_ptr<reqrep::Server> open_server(
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop);

// The same in the backend that backend.url names (NATS: see nats/reqrep.hpp).
std::unique_ptr<reqrep::Client> open_client(BackendOptions const& backend,
    reqrep::ClientOptions const& options, Stop& stop, reqrep::Client::OnReply on_reply,
    reqrep::Client::OnIdle on_idle);
std::unique_ptr<reqrep::Server> open_server(BackendOptions const& backend,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop);

// What runs now, in the backend that backend.url names, for the listings
// (listing.hpp): the subscribers (only those a message published on topic
// reaches, when given), the servers of service name (of every service when
// empty), the retained messages whose topic matches pattern (any when none).
// Each sorted. A backend throws Error for what it cannot tell.
std::vector<pubsub::SubscriberInfo> list_subscribers(
    BackendOptions const& backend, std::optional<std::string> const& topic);
std::vector<reqrep::ServerInfo> list_servers(
    BackendOptions const& backend, std::string const& name);
std::vector<pubsub::RetainedInfo> list_retained(
    BackendOptions const& backend, std::optional<Pattern> const& pattern);

// Opens queue name (already validated). Throws Error: Unavailable when it
// does not exist and missing is Fail; Usage or IoError when it cannot be used.
std::unique_ptr<queue::Queue> open_queue(std::string const& name,
    queue::Missing missing = queue::Missing::Create, queue::Sync sync = queue::Sync::Normal);

// The names of the queues there are, sorted.
std::vector<std::string> queue_names();

// Deletes queue name and its items; throws Error(Unavailable) when there is none.
void remove_queue(std::string const& name);

// The same in the backend that backend.url names (NATS: see nats/queue.hpp).
std::unique_ptr<queue::Queue> open_queue(BackendOptions const& backend, std::string const& name,
    queue::Missing missing = queue::Missing::Create, queue::Sync sync = queue::Sync::Normal);
std::vector<std::string> queue_names(BackendOptions const& backend);
void remove_queue(BackendOptions const& backend, std::string const& name);

}
