#include "ipc/nats/usage.hpp"

#include "ipc/core/error.hpp"

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

void check_access(io::Access const& access)
{
    if (!access.uids.empty() || !access.gids.empty())
        throw Error(Exit::Usage, "--allow-uid and --allow-group are for the local backend only",
            "on NATS, the server's accounts and permissions decide");
}

}

void check_usage(pubsub::SubscribeOptions const& options)
{
    check_access(options.access);
}

void check_usage(reqrep::ClientOptions const& options)
{
    check_address(options.address);
    if (options.retries > 0 && !options.timeout)
        throw Error(Exit::Usage, "on NATS, --retries needs -t",
            "a server that died shows only as a request overdue: say when with -t D");
}

void check_usage(reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler)
{
    check_address(options.address);
    check_access(options.access);
    // A NATS client has no connection whose end would end its session, and
    // its requests are shared out among the servers of the name.
    if (handler.session)
        throw Error(Exit::Usage, "--session is for the local backend only",
            "a NATS client has no connection of its own to keep a session; use --pipe, or leave "
            "out --url and IPC_URL");
}

}
