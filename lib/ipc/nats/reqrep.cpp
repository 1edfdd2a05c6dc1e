// What request-response on NATS refuses before it connects.

#include "ipc/nats/reqrep.hpp"

#include "ipc/nats/client.hpp"
#include "ipc/nats/server.hpp"

#include <fmt/format.h>

namespace ipc::nats {

namespace {

void check_address(Address const& address)
{
    if (address.kind != Address::Kind::Name)
        throw Error(Exit::Usage,
            fmt::format(
                "{}: unix: and tcp:// addresses are for the local backend only", address.text()),
            "give a service NAME, or leave out --url and IPC_URL");
}

}

std::unique_ptr<reqrep::Client> open_client(BackendOptions const& backend,
    reqrep::ClientOptions const& options, Stop& stop, reqrep::Client::OnReply on_reply,
    reqrep::Client::OnIdle on_idle)
{
    check_address(options.address);
    if (options.retries > 0 && !options.timeout)
        throw Error(Exit::Usage, "on NATS, --retries needs -t",
            "a server that died shows only as a request overdue: say when with -t D");
    return std::make_unique<Client>(
        backend, options, stop, std::move(on_reply), std::move(on_idle));
}

std::unique_ptr<reqrep::Server> open_server(BackendOptions const& backend,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop)
{
    check_address(options.address);
    if (!options.access.uids.empty() || !options.access.gids.empty())
        throw Error(Exit::Usage, "--allow-uid and --allow-group are for the local backend only",
            "on NATS, the server's accounts and permissions decide");
    return std::make_unique<Server>(backend, options, reqrep::make_handler(handler), stop);
}

}
