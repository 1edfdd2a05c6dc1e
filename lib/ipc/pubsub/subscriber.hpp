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

    // Like receive(), but when messages came as a run of lines ending with
    // delimiter, hands out up to `most` of them at once: data then holds each
    // followed by the delimiter, `count` says how many and `run` is true.
    // Otherwise one message, count 1 and run false, which is all a backend
    // without runs does (the default). Lines reach stdout at the speed of a
    // pipe this way.
    struct Run {
        std::uint64_t count = 1;
        bool run = false;
    };
    virtual std::optional<MessageView> receive_run(Stop& stop, std::function<void()> const& on_idle,
        [[maybe_unused]] char delimiter, [[maybe_unused]] std::uint64_t most, Run& run)
    {
        run = {};
        return receive(stop, on_idle);
    }
};

}
