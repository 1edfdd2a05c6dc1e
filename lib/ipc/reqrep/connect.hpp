#pragma once

// Finding and connecting to a server for an ADDRESS: for a NAME, one of the
// servers registered under svc/NAME, chosen at random; stale sockets found on
// the way are removed.

#include "ipc/core/fd.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/names/address.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

struct Connected {
    Fd fd; // Blocking, close-on-exec.
    std::string server; // Which server, for a NAME its registry id; else empty.
};

// One attempt. For a NAME, a server other than `avoid` is preferred (the
// one that just failed us); nullopt when none listens.
std::optional<Connected> try_connect(Address const& address, std::string const& avoid = {});

// For a NAME, one attempt at a server not in `taken` (ids of servers the
// client is connected to already): how a batch spreads over every server.
// nullopt when there is none, and always for unix: and tcp:// addresses.
std::optional<Connected> try_connect_another(
    Address const& address, std::vector<std::string> const& taken);

// Tries until a server answers or wait runs out (none: one attempt). Watches
// the registry directory instead of polling where it can. Throws
// Error(Unavailable) naming the address when no server listens, with a hint;
// returns nullopt when a signal arrived first.
std::optional<Connected> connect(Address const& address, std::optional<Duration> wait, Stop& stop,
    std::string const& avoid = {});

}
