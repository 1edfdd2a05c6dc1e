// The NATS backend of a build without cnats (meson -Dnats=disabled, or no
// libnats-dev): a NATS URL is then a clear "not built in", exit 69, once
// the command line passed the checks a build with NATS makes (usage.hpp).

#include "ipc/nats/pubsub.hpp"
#include "ipc/nats/queue.hpp"
#include "ipc/nats/reqrep.hpp"
#include "ipc/nats/usage.hpp"

#include "ipc/core/error.hpp"

namespace ipc::nats {

namespace {

[[noreturn]] void not_built()
{
    throw Error(Exit::Unavailable, "this build of ipckit has no NATS support",
        "rebuild with libnats-dev installed and -Dnats=enabled");
}

}

std::unique_ptr<pubsub::Publisher> open_publisher(
    BackendOptions const&, pubsub::PublishOptions const&, Stop&)
{
    not_built();
}

std::unique_ptr<pubsub::Subscriber> open_subscriber(
    BackendOptions const&, std::vector<Pattern> const&, pubsub::SubscribeOptions const& options)
{
    check_usage(options);
    not_built();
}

std::unique_ptr<reqrep::Client> open_client(BackendOptions const&,
    reqrep::ClientOptions const& options, Stop&, reqrep::Client::OnReply, reqrep::Client::OnIdle)
{
    check_usage(options);
    not_built();
}

std::unique_ptr<reqrep::Server> open_server(BackendOptions const&,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop&)
{
    check_usage(options, handler);
    not_built();
}

std::unique_ptr<queue::Queue> open_queue(
    BackendOptions const&, std::string const&, queue::Missing, queue::Sync)
{
    not_built();
}

std::vector<std::string> queue_names(BackendOptions const&)
{
    not_built();
}

void remove_queue(BackendOptions const&, std::string const&)
{
    not_built();
}

std::vector<pubsub::SubscriberInfo> list_subscribers(
    BackendOptions const&, std::optional<std::string> const&)
{
    not_built();
}

std::vector<pubsub::RetainedInfo> list_retained(
    BackendOptions const&, std::optional<Pattern> const&)
{
    not_built();
}

std::vector<reqrep::ServerInfo> list_servers(BackendOptions const&, std::string const&)
{
    not_built();
}

}
