#pragma once

// The subscribing side of publish-subscribe, whatever the backend.

#include "ipc/core/message.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"

#include <functional>
#include <optional>
#include <string>

namespace ipc::pubsub {

struct SubscribeOptions {
    std::string group {}; // Non-empty: share each message with one member of the group.
    bool retained = true; // Deliver the retained message of each matching topic first.
    std::size_t max_size = 0; // Largest message accepted; 0 means the default.
    io::Access access {}; // Who besides our own uid may publish to us.
};

class Subscriber {
public:
    virtual ~Subscriber() = default;

    // Blocks until a message arrives, or returns nullopt once stop is done.
    // Calls on_idle (e.g. to flush stdout) before it would block. The view
    // stays valid until the next call.
    virtual std::optional<MessageView> receive(Stop& stop, std::function<void()> const& on_idle)
        = 0;
};

}
