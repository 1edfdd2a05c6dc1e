#pragma once

// The client side of request-response, whatever carries it: requests are
// pipelined (many in flight) and their replies handed out in the order the
// requests were made. A backend implements Client (LocalClient over unix
// and TCP sockets) on top of a Pipeline, which keeps that order.

#include "ipc/core/limits.hpp"
#include "ipc/core/time.hpp"
#include "ipc/names/address.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace ipc::reqrep {

struct ClientOptions {
    Address address;
    // Per request, from when its server could take it (see Pipeline):
    // Error(Timeout) when it runs out.
    std::optional<Duration> timeout {};
    std::optional<Duration> deadline {}; // The whole run: Error(Timeout) when it runs out.
    std::optional<Duration> wait {}; // For a server to appear (also when reconnecting).
    std::uint64_t retries = 0; // Reconnections allowed after a lost connection.
    std::size_t max_size = default_max_size; // The longest reply accepted.
};

// One reply, as handed to the tool.
struct Outcome {
    std::uint64_t id = 0; // 1 for the first request, and so on.
    bool ok = true; // False: data is the server's reason for the error.
    std::string_view data;
    Duration elapsed {}; // From sending the request to its reply.
};

class Client {
public:
    // Gets every reply, in request order.
    using OnReply = std::function<void(Outcome const&)>;
    // Runs before the client blocks, and before it throws: flush output there.
    using OnIdle = std::function<void()>;

    virtual ~Client() = default;

    // Queues one request. Sends when the batch is large, and waits for
    // replies while too many are in flight. Throws Error(Timeout) for a
    // request that got no reply in time or a run past its deadline,
    // Error(Unavailable) for a lost server with no retry left.
    virtual void send(std::string_view data) = 0;

    // Sends what is batched and handles replies until fd is readable: the
    // on_idle hook of a framing::Reader. False when a signal came first.
    virtual bool wait_input(int fd) = 0;

    // Sends everything and waits for every reply; false when a signal came first.
    virtual bool finish() = 0;

    // True once a signal ended a wait.
    virtual bool interrupted() const = 0;
};

}
