#pragma once

// What a queue NAME is called on NATS, pure (no nats.h): its JetStream
// stream IPCQ_<NAME with '.' as ':'> (a stream name takes no '.'; ':' is
// valid on nats-server 2.9 and cannot occur in a NAME, so the mapping is
// one-to-one), and the subjects of its live and dead items.

#include "ipc/names/name.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::nats {

inline constexpr std::string_view stream_prefix = "IPCQ_";

inline std::string stream_name(std::string_view queue)
{
    std::string stream(stream_prefix);
    stream += queue;
    std::replace(
        stream.begin() + static_cast<std::ptrdiff_t>(stream_prefix.size()), stream.end(), '.', ':');
    return stream;
}

// The queue whose stream this is; none for other streams.
inline std::optional<std::string> queue_of_stream(std::string_view stream)
{
    if (!stream.starts_with(stream_prefix))
        return std::nullopt;
    std::string queue(stream.substr(stream_prefix.size()));
    if (queue.find('.') != std::string::npos)
        return std::nullopt;
    std::replace(queue.begin(), queue.end(), ':', '.');
    if (!is_valid_name(queue))
        return std::nullopt;
    return queue;
}

inline std::string live_subject(std::string_view queue)
{
    return "_IPC.q." + std::string(queue);
}

inline std::string dead_subject(std::string_view queue)
{
    return "_IPC.dead." + std::string(queue);
}

}
