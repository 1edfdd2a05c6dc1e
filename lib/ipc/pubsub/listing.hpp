#pragma once

// Who subscribes now (ipc-sub --list): a plain description of each
// subscriber that every backend gives (backend.hpp chooses the backend), and
// the local backend's, read from the registrations in $IPC_DIR/sub.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipc::pubsub {

struct SubscriberInfo {
    std::vector<std::string> patterns {};
    std::string group {}; // Empty: none.
    std::int64_t pid = 0; // 0: not known.
    std::optional<std::int64_t> uid {};
    std::int64_t since_ns = 0; // When it subscribed (Unix ns); 0: not known.
    std::string address {}; // Where it listens ("unix:PATH"); empty when it has no address.
};

// The order of listings: by first pattern, then group, then pid.
bool listed_before(SubscriberInfo const& a, SubscriberInfo const& b);

// The local subscribers whose process is alive (their socket answers, the
// check publishers make; a dead one's files are removed as a publisher
// would), sorted. With topic, only those a message published on it reaches.
std::vector<SubscriberInfo> list_local_subscribers(std::optional<std::string> const& topic);

}
