// The local subscribers, for ipc-sub --list (listing.hpp).

#include "ipc/pubsub/listing.hpp"

#include "ipc/io/socket.hpp"
#include "ipc/pubsub/local_registry.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <tuple>

namespace ipc::pubsub {

bool listed_before(SubscriberInfo const& a, SubscriberInfo const& b)
{
    return std::tie(a.patterns, a.group, a.pid, a.since_ns)
        < std::tie(b.patterns, b.group, b.pid, b.since_ns);
}

std::vector<SubscriberInfo> list_local_subscribers(std::optional<std::string> const& topic)
{
    LocalRegistry const registry;
    std::vector<SubscriberInfo> found;
    for (auto const& registration : registry.list()) {
        if (topic && !registration.matches(*topic))
            continue;
        int error = 0;
        auto const peer = io::probe_unix(registry.dir_fd(), registration.id + ".sock", error);
        if (!peer) {
            if (error == ECONNREFUSED) // Its process died: its files go.
                registry.remove(registration);
            continue;
        }
        SubscriberInfo info;
        for (auto const& pattern : registration.patterns)
            info.patterns.push_back(pattern.text());
        info.group = registration.group;
        if (peer->pid != 0) { // 0: its backlog is full, so it did not say.
            info.pid = peer->pid;
            info.uid = peer->uid;
        }
        info.since_ns = registration.since_ns;
        info.address = fmt::format("unix:{}/{}.sock", registry.path(), registration.id);
        found.push_back(std::move(info));
    }
    std::sort(found.begin(), found.end(), listed_before);
    return found;
}

}
