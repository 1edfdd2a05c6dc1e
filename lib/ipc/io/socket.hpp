#pragma once

// Unix stream sockets named by a path in a directory. Paths are reached
// through /proc/self/fd/DIRFD/NAME, so a deep $IPC_DIR never hits the
// 108-byte sun_path limit. Peers are checked with SO_PEERCRED.

#include "ipc/core/fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace ipc::io {

enum class Blocking { No, Yes };

// Binds and listens on dir/name (non-blocking, close-on-exec). Throws SystemError.
Fd listen_unix(int dir_fd, std::string const& name, std::string const& display_path);

// Accepts a waiting connection on listener (non-blocking, close-on-exec);
// an empty Fd when there is none. Out of file descriptors (EMFILE, ENFILE),
// it accepts the connection through a descriptor kept spare for that and
// closes it at once: the peer is refused instead of left in the backlog, and
// a level-triggered poller does not spin on the listener. Warns once.
Fd accept_connection(int listener);

// Binds ID.new in dir, listens, and renames it to ID.sock: a peer never
// finds a socket that does not listen yet. dir_path is for messages.
Fd listen_unix_registered(int dir_fd, std::string const& id, std::string const& dir_path);

// The ID of a registered socket's file name ID.sock; nullopt for other files.
std::optional<std::string> registered_id(std::string_view file_name);

// The IDs of the sockets registered in dir, in directory order. Reads through
// a duplicate of dir_fd, which stays usable. Throws SystemError.
std::vector<std::string> registered_ids(int dir_fd, std::string const& dir_path);

// Connects to dir/name. Returns nullopt with errno_out set when the socket is
// absent or refuses (ENOENT, ECONNREFUSED): the caller treats it as stale.
// Throws SystemError for other failures.
std::optional<Fd> try_connect_unix(
    int dir_fd, std::string const& name, Blocking blocking, int& errno_out);

// TCP with TCP_NODELAY, for request-response across machines. host is a
// name or an IP address; empty means 127.0.0.1. listen_tcp sets port to
// the one bound (the kernel picks one for 0). Both throw SystemError, or
// Error(Usage) for a host that does not resolve.
Fd listen_tcp(std::string const& host, std::uint16_t& port, std::string const& display);
// nullopt with errno_out set when nobody listens (ECONNREFUSED) or the host
// cannot be reached; throws for other failures.
std::optional<Fd> try_connect_tcp(std::string const& host, std::uint16_t port, int& errno_out);
// For accepted TCP connections: no Nagle delay on small replies.
void set_tcp_no_delay(int fd);
// The address of a connected TCP socket's peer, "127.0.0.1:4711" or
// "[::1]:4711"; "?" when the system cannot tell.
std::string peer_address(int fd);

// The credentials of the peer of a connected Unix socket.
struct Peer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups {}; // Supplementary (SO_PEERGROUPS), when the kernel tells.
};
Peer peer_of(int fd);

// Who listens on dir/name, by the check every tool makes before it trusts
// or replaces a registered socket: a connection without blocking, closed at
// once. The listener's credentials (SO_PEERCRED) when it answered; a Peer of
// pid 0 when its backlog is full (alive but busy); nullopt when nobody
// listens, with errno_out ECONNREFUSED (its process died) or ENOENT (gone).
std::optional<Peer> probe_unix(int dir_fd, std::string const& name, int& errno_out);

// Who may connect: our own uid always; plus these uids, and members of these
// groups (primary or supplementary).
struct Access {
    std::vector<uid_t> uids;
    std::vector<gid_t> gids;
    bool allows(Peer const& peer) const;
};

// Sets O_NONBLOCK on or off.
void set_blocking(int fd, Blocking blocking);

}
