#pragma once

// Receiving pub/sub messages in a test, as "topic:data" strings.

#include "ipc/io/stop.hpp"
#include "ipc/pubsub/subscriber.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ipc::test {

// Receives up to count messages, giving up after 2 s, or after idle without
// a message.
inline std::vector<std::string> receive(pubsub::Subscriber& subscriber, std::uint64_t count,
    std::optional<Duration> idle = std::nullopt)
{
    using namespace std::chrono_literals;
    Stop stop({ .count = count, .timeout = 2s, .idle = idle });
    std::vector<std::string> got;
    while (auto message = subscriber.receive(stop, [] {})) {
        got.push_back(std::string(message->topic) + ":" + std::string(message->data));
        stop.count_one();
    }
    return got;
}

}
