#pragma once

// The publishing side of publish-subscribe, whatever the backend.

#include "ipc/core/message.hpp"
#include "ipc/io/stop.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::pubsub {

enum class Overflow {
    Block, // A slow subscriber slows the publisher down; nothing is lost.
    Drop, // Skip a subscriber whose buffer is full, and count what it missed.
};

struct PublishOptions {
    Overflow overflow = Overflow::Block;
    bool retain = false; // Keep the last message of each topic for late subscribers.
    // Bounds each wait (for subscribers to appear, for a slow one to take a
    // batch); running out throws Error(Exit::Timeout).
    std::optional<Duration> timeout {};
};

class Publisher {
public:
    virtual ~Publisher() = default;

    // Every call may block on a slow subscriber (Overflow::Block) or on the
    // wait it names. They return false when a signal (seen through the Stop
    // the publisher was opened with) ended the wait, and throw
    // Error(Exit::Timeout) when PublishOptions::timeout ran out.

    // Queues one message for every matching subscriber present now, sending
    // when a batch fills. message.topic must be a valid name, and its
    // headers, if any, a valid block (core/headers.hpp); they travel with it.
    virtual bool publish(MessageView const& message) = 0;

    // The same for many messages of one topic at once: run holds messages
    // that each end with delimiter (and contain none). A backend may send
    // them as they are, which is how lines reach a local subscriber at the
    // speed of a pipe; by default each is published on its own.
    virtual bool publish_run(std::string_view topic, char delimiter, std::string_view run)
    {
        for (std::size_t at = 0; at < run.size();) {
            auto const end = run.find(delimiter, at);
            if (!publish({ run.substr(at, end - at), topic }))
                return false;
            at = end + 1;
        }
        return true;
    }

    // Sends everything queued (under Overflow::Drop, skipping a subscriber
    // that has no room, as publishing does).
    virtual bool flush() = 0;

    // Sends everything queued, at the end: nothing is published after it.
    // Under Overflow::Drop a subscriber that takes nothing for a second loses
    // what is left for it, counted in drops().
    virtual bool finish() = 0;

    // Flushes, then waits until fd is readable (for reading stdin) while
    // keeping the subscriber list fresh.
    virtual bool wait_readable(int fd) = 0;

    // Waits until at least count subscribers match topic (an empty topic
    // counts every subscriber).
    virtual bool wait_for_subscribers(std::string const& topic, std::uint64_t count) = 0;

    // What became of the messages meant for one subscriber under Overflow::Drop.
    struct Delivery {
        std::string subscriber; // Who it is, for people: "pid 1234".
        std::uint64_t delivered = 0; // Handed to it whole (written to its socket).
        std::uint64_t dropped = 0; // Skipped because it was slow.
    };
    // One entry per subscriber that missed messages, after finish().
    virtual std::vector<Delivery> drops() const = 0;
};

}
