#pragma once

// The publishing side of publish-subscribe, whatever the backend.

#include "ipc/core/message.hpp"
#include "ipc/io/stop.hpp"

#include <cstdint>
#include <string>

namespace ipc::pubsub {

enum class Overflow {
    Block, // A slow subscriber slows the publisher down; nothing is lost.
    Drop, // Skip a subscriber whose buffer is full, and count what it missed.
};

struct PublishOptions {
    Overflow overflow = Overflow::Block;
    bool retain = false; // Keep the last message of each topic for late subscribers.
};

class Publisher {
public:
    virtual ~Publisher() = default;

    // Queues one message for every matching subscriber present now. May send
    // (and block, under Overflow::Block) when a batch fills. message.topic must be a valid name.
    virtual void publish(MessageView const& message) = 0;

    // Sends everything queued. Returns false when stop ended the wait first.
    virtual bool flush(Stop& stop) = 0;

    // Flushes, then waits until fd is readable (for reading stdin) while
    // keeping the subscriber list fresh. Returns false when stop is done first.
    virtual bool wait_readable(int fd, Stop& stop) = 0;

    // Waits until at least count subscribers match topic (an empty topic
    // counts every subscriber). Returns false when stop is done first.
    virtual bool wait_for_subscribers(std::string const& topic, std::uint64_t count, Stop& stop)
        = 0;

    // Messages not delivered to some subscriber under Overflow::Drop, summed over subscribers.
    virtual std::uint64_t dropped() const = 0;
};

}
