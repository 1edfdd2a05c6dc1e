#pragma once

// Request-response on NATS, behind the reqrep interfaces: a service NAME is
// a subject, its servers a queue group "q" on it (NATS micro's group), and
// a client's replies come to one subscription _INBOX.<id>.* of its own.
// This header does not include nats.h (see pubsub.hpp).

#include "ipc/names/url.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/listing.hpp"
#include "ipc/reqrep/server.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::nats {

// Throws Error: 2 for what NATS cannot do (unix: and tcp:// addresses,
// --retries without -t); 69 when the library or a server is missing.
std::unique_ptr<reqrep::Client> open_client(BackendOptions const& backend,
    reqrep::ClientOptions const& options, Stop& stop, reqrep::Client::OnReply on_reply,
    reqrep::Client::OnIdle on_idle);

// Throws Error: 2 for unix: and tcp:// addresses and for --allow-uid and
// --allow-group; 69 as open_client.
std::unique_ptr<reqrep::Server> open_server(BackendOptions const& backend,
    reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler, Stop& stop);

// The listing of services (backend.hpp).
std::vector<reqrep::ServerInfo> list_servers(
    BackendOptions const& backend, std::string const& name);

}
