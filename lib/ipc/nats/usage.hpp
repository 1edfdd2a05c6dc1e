#pragma once

// What the NATS backend refuses as usage (exit 2), checked before anything
// is loaded or connected, and built with or without cnats: usage is checked
// before availability, so a build without NATS answers "not built" (69)
// only to a command line that is right.

#include "ipc/pubsub/subscriber.hpp"
#include "ipc/reqrep/client.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/server.hpp"

namespace ipc::nats {

// --allow-uid and --allow-group: the server's permissions decide.
void check_usage(pubsub::SubscribeOptions const& options);
// unix: and tcp:// addresses; --retries without -t.
void check_usage(reqrep::ClientOptions const& options);
// unix: and tcp:// addresses; --allow-uid and --allow-group; --session.
void check_usage(reqrep::ServerOptions const& options, reqrep::HandlerOptions const& handler = {});

}
