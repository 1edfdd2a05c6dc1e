#pragma once

// Where local services meet: each ipc-serve NAME binds ID.new in
// $IPC_DIR/svc/NAME/ and renames it to ID.sock once it listens, so a client
// never meets a half-ready server; ID.info beside it, written first, says
// when it started and how many requests it answered (server_card.hpp). A
// socket that refuses connection belongs to a server that died; clients
// remove it.

#include "ipc/core/fd.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ipc::reqrep {

class Registry {
public:
    // Opens $IPC_DIR/svc/NAME, creating it when create is true. Without
    // create, a missing directory is an empty registry (exists() is false).
    Registry(std::string const& name, bool create);

    bool exists() const { return static_cast<bool>(m_dir); }
    std::string const& path() const { return m_path; }
    int dir_fd() const { return m_dir.get(); }

    // The ids of the sockets in place, in random order (to share the load).
    std::vector<std::string> list() const;

    // The names of the services there are (each a directory in svc/), sorted.
    static std::vector<std::string> names();

    // Server side: binds and listens on ID.sock (non-blocking).
    Fd add(std::string const& id) const;
    // Removes ID.sock and ID.info (a stale one's, or our own on exit).
    void remove(std::string const& id) const noexcept;
    // Keeps ID.sock and ID.info fresh against /tmp cleaners; false when one is gone.
    bool touch(std::string const& id) const noexcept;

private:
    std::string m_path;
    Fd m_dir;
};

}
