#pragma once

// Which services run now (ipc-serve --list): a plain description of each
// server that every backend gives (backend.hpp chooses the backend), and the
// local backend's, read from the registries in $IPC_DIR/svc.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipc::reqrep {

struct ServerInfo {
    std::string name {}; // The service.
    std::int64_t pid = 0; // 0: not known.
    std::optional<std::int64_t> uid {};
    std::int64_t since_ns = 0; // When it started (Unix ns); 0: not known.
    std::optional<std::uint64_t> served {}; // Requests answered, when the server counts them.
    std::string address {}; // Where it listens ("unix:PATH"); empty when it has no address.
};

// The order of listings: by name, then start time, then pid.
bool listed_before(ServerInfo const& a, ServerInfo const& b);

// The local servers of service name (of every service when name is empty)
// whose process is alive (their socket answers, the check clients make; a
// dead one's files are removed as a client would), sorted.
std::vector<ServerInfo> list_local_servers(std::string const& name);

}
