// The local servers, for ipc-serve --list (listing.hpp).

#include "ipc/reqrep/listing.hpp"

#include "ipc/io/socket.hpp"
#include "ipc/reqrep/registry.hpp"
#include "ipc/reqrep/server_card.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <tuple>

namespace ipc::reqrep {

bool listed_before(ServerInfo const& a, ServerInfo const& b)
{
    return std::tie(a.name, a.since_ns, a.pid) < std::tie(b.name, b.since_ns, b.pid);
}

std::vector<ServerInfo> list_local_servers(std::string const& name)
{
    std::vector<ServerInfo> found;
    auto const names = name.empty() ? Registry::names() : std::vector { name };
    for (auto const& service : names) {
        Registry const registry(service, false);
        for (auto const& id : registry.list()) {
            int error = 0;
            auto const peer = io::probe_unix(registry.dir_fd(), id + ".sock", error);
            if (!peer) {
                if (error == ECONNREFUSED) // Its server died without cleaning up.
                    registry.remove(id);
                continue;
            }
            ServerInfo info { .name = service };
            if (peer->pid != 0) { // 0: its backlog is full, so it did not say.
                info.pid = peer->pid;
                info.uid = peer->uid;
            }
            if (auto const card = read_server_card(registry.dir_fd(), id)) {
                info.since_ns = card->since_ns;
                info.served = card->served;
            }
            info.address = fmt::format("unix:{}/{}.sock", registry.path(), id);
            found.push_back(std::move(info));
        }
    }
    std::sort(found.begin(), found.end(), listed_before);
    return found;
}

}
