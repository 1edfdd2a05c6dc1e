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

std::unique_ptr<reqrep::Client> open_client(reqrep::ClientOptions const& options, Stop& stop,
    reqrep::Client::OnReply on_reply, reqrep::Client::OnIdle on_idle)
{
    return std::make_unique<reqrep::Client>(options, stop, std::move(on_reply), std::move(on_idle));
}

std::unique_ptr<reqrep::Server> open_server(
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop)
{
    return std::make_unique<reqrep::Server>(options, reqrep::make_handler(handler), stop);
}

}
