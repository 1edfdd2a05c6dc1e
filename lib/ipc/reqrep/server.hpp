#pragma once

// The server side of request-response, whatever carries it: requests come
// in, a Handler answers them, replies go back to whoever asked. A backend
// implements Server (LocalServer over unix and TCP sockets) as a transport
// under a Dispatcher, which holds the policy every backend shares.

#include "ipc/core/error.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/address.hpp"
#include "ipc/reqrep/watch.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::reqrep {

struct ServerOptions {
    Address address;
    io::Access access {};
    std::size_t max_size = 0; // The longest request accepted.
    std::optional<std::uint64_t> count {}; // -n: serve this many requests, then exit.
    std::string ready_file {}; // Written with the resolved address once serving.
    bool verbose = false; // -v: a line on stderr per request (make_verbose_log).
    std::vector<std::shared_ptr<Observer>> observers {}; // Also told of each request (a tap).
};

class Server {
public:
    virtual ~Server() = default;

    // Serves until --count requests were answered, a signal came (then the
    // requests already taken are answered first: a drain), or the handler
    // is finished: Ok. A second signal during a drain abandons what is left
    // unanswered: Interrupted or Terminated, after the first signal.
    virtual Exit run() = 0;
};

// Says that the server accepts requests now: writes address and a newline
// to ready_file, if any, atomically (a temporary file renamed), for
// --ready-file: a script waits for it instead of sleeping; and tells a
// service manager through NOTIFY_SOCKET (a systemd unit of Type=notify).
void announce_ready(std::string const& ready_file, std::string const& address);

}
