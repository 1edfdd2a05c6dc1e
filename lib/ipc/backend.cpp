// The one place that chooses the backend for pub/sub and req/rep (the queue
// half is backend_queue.cpp): local unless a NATS URL is given.

#include "ipc/backend.hpp"

#include "ipc/backend_tap.hpp"
#include "ipc/nats/pubsub.hpp"
#include "ipc/nats/reqrep.hpp"
#include "ipc/pubsub/local_publisher.hpp"
#include "ipc/pubsub/local_subscriber.hpp"
#include "ipc/pubsub/retain.hpp"
#include "ipc/reqrep/local_client.hpp"
#include "ipc/reqrep/local_server.hpp"

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

std::unique_ptr<pubsub::Publisher> open_publisher(
    BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop)
{
    if (backend.url.is_local())
        return open_publisher(options, stop);
    return nats::open_publisher(backend, options, stop);
}

std::unique_ptr<pubsub::Subscriber> open_subscriber(BackendOptions const& backend,
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options)
{
    if (backend.url.is_local())
        return open_subscriber(patterns, options);
    return nats::open_subscriber(backend, patterns, options);
}

std::unique_ptr<reqrep::Client> open_client(reqrep::ClientOptions const& options, Stop& stop,
    reqrep::Client::OnReply on_reply, reqrep::Client::OnIdle on_idle)
{
    return std::make_unique<reqrep::LocalClient>(
        options, stop, std::move(on_reply), std::move(on_idle));
}

std::unique_ptr<reqrep::Server> open_server(
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop)
{
    if (options.address.kind != Address::Kind::Name)
        return std::make_unique<reqrep::LocalServer>(options, handler, stop);
    auto tapped = options; // A service NAME can be tapped (ipc-sub --tap NAME).
    tapped.observers.push_back(make_tap(options.address.name, stop));
    return std::make_unique<reqrep::LocalServer>(std::move(tapped), handler, stop);
}

std::unique_ptr<reqrep::Client> open_client(BackendOptions const& backend,
    reqrep::ClientOptions const& options, Stop& stop, reqrep::Client::OnReply on_reply,
    reqrep::Client::OnIdle on_idle)
{
    if (backend.url.is_local())
        return open_client(options, stop, std::move(on_reply), std::move(on_idle));
    return nats::open_client(backend, options, stop, std::move(on_reply), std::move(on_idle));
}

std::unique_ptr<reqrep::Server> open_server(BackendOptions const& backend,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop)
{
    if (backend.url.is_local())
        return open_server(options, handler, stop);
    return nats::open_server(backend, options, handler, stop);
}

std::vector<pubsub::SubscriberInfo> list_subscribers(
    BackendOptions const& backend, std::optional<std::string> const& topic)
{
    if (backend.url.is_local())
        return pubsub::list_local_subscribers(topic);
    return nats::list_subscribers(backend, topic);
}

std::vector<reqrep::ServerInfo> list_servers(BackendOptions const& backend, std::string const& name)
{
    if (backend.url.is_local())
        return reqrep::list_local_servers(name);
    return nats::list_servers(backend, name);
}

std::vector<pubsub::RetainedInfo> list_retained(
    BackendOptions const& backend, std::optional<Pattern> const& pattern)
{
    if (backend.url.is_local())
        return pubsub::list_local_retained(pattern);
    return nats::list_retained(backend, pattern);
}

}
