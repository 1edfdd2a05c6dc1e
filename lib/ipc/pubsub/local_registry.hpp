#pragma once

// The rendezvous of the brokerless local backend: $IPC_DIR/sub/ holds, for
// each subscriber, ID.pat (its patterns and group) and ID.sock (its socket).
// The .pat file is in place before the socket appears, and the socket is
// renamed into place only once it listens, so a publisher never meets a
// half-registered subscriber (and never mistakes one for a stale one).

#include "ipc/core/fd.hpp"
#include "ipc/names/pattern.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ipc::pubsub {

struct Registration {
    std::string id;
    std::vector<Pattern> patterns;
    std::string group;

    bool matches(std::string_view topic) const;
};

class LocalRegistry {
public:
    // Opens (creating) $IPC_DIR/sub. Throws Error for an unsafe runtime dir.
    LocalRegistry();

    std::string const& path() const { return m_path; }
    int dir_fd() const { return m_dir.get(); }

    // Every subscriber whose socket is in place (a .pat that cannot be read is skipped).
    std::vector<Registration> list() const;
    std::optional<Registration> read(std::string const& id) const;

    // Removes a stale subscriber's files (its socket refused a connection).
    void remove(std::string const& id) const noexcept;

    // Subscriber side: writes ID.pat, then binds and listens on ID.sock.
    // Returns the listening socket (non-blocking).
    Fd add(Registration const& registration) const;

    // Keeps a registration's files fresh against /tmp cleaners. Returns false
    // when the socket file is gone (the caller re-adds the registration).
    bool touch(std::string const& id) const noexcept;

    // A fresh unique id: "<pid>-<random hex>".
    static std::string new_id();

private:
    std::string m_path;
    Fd m_dir;
};

}
