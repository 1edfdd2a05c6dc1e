// Request-response on NATS: what it refuses (usage.hpp), then a Client or a Server.

#include "ipc/nats/reqrep.hpp"

#include "ipc/nats/client.hpp"
#include "ipc/nats/server.hpp"
#include "ipc/nats/usage.hpp"

namespace ipc::nats {

std::unique_ptr<reqrep::Client> open_client(BackendOptions const& backend,
    reqrep::ClientOptions const& options, Stop& stop, reqrep::Client::OnReply on_reply,
    reqrep::Client::OnIdle on_idle)
{
    check_usage(options);
    return std::make_unique<Client>(
        backend, options, stop, std::move(on_reply), std::move(on_idle));
}

std::unique_ptr<reqrep::Server> open_server(BackendOptions const& backend,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop)
{
    check_usage(options, handler);
    return std::make_unique<Server>(backend, options, reqrep::make_handler(handler), stop);
}

}
