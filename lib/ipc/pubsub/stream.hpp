#pragma once

// What ipc-pub does with its input, for any backend: the MESSAGE arguments,
// or every message of stdin, lines in runs when nothing needs them one by one.

#include "ipc/framing/reader.hpp"
#include "ipc/pubsub/publisher.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ipc::pubsub {

struct StreamOptions {
    std::string topic; // Empty with --json when every envelope names its own.
    char delimiter = '\n'; // Of the input framing, for runs of lines.
    bool json = false;
    std::optional<Duration> interval {}; // Pause between messages.
};

// Each return false when a signal (seen through stop) ended the publishing,
// and throw what the publisher throws.
bool publish_messages(Publisher& publisher, std::vector<std::string> const& messages,
    StreamOptions const& options, Stop& stop);

// Also throws Error(Usage) for an envelope without a valid topic, naming it.
bool publish_stream(
    Publisher& publisher, framing::Reader& in, StreamOptions const& options, Stop& stop);

}
