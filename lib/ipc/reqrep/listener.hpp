#pragma once

// The server's listening socket for an ADDRESS: a NAME registers a socket of
// its own under svc/NAME (so several servers share a name), unix:/path binds
// that path (replacing a stale socket, never a live one), tcp://HOST:PORT
// binds HOST or 127.0.0.1. The destructor removes the socket file.

#include "ipc/core/fd.hpp"
#include "ipc/names/address.hpp"
#include "ipc/reqrep/registry.hpp"
#include "ipc/reqrep/server_card.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace ipc::reqrep {

class Listener {
public:
    // Binds and listens (non-blocking). Throws Error naming the address.
    explicit Listener(Address const& address);
    ~Listener();

    Listener(Listener const&) = delete;
    Listener& operator=(Listener const&) = delete;

    int fd() const { return m_fd.get(); }
    bool is_tcp() const { return m_address.kind == Address::Kind::Tcp; }

    // Where this server is reachable, as an address a client accepts:
    // unix:/tmp/ipc-1000/svc/calc/ID.sock, unix:/path, tcp://127.0.0.1:PORT.
    std::string const& resolved() const { return m_resolved; }

    // Closes the socket and removes its file: no new client can come.
    void close() noexcept;

    // One more request answered, for ipc-serve --list (a NAME only). Cheap:
    // no system call.
    void count_served() noexcept { m_card.count_one(); }

    // Keeps the socket file fresh against /tmp cleaners, and registers again
    // if it was deleted. Call now and then; cheap. True when fd() changed.
    bool refresh();

private:
    Address m_address;
    std::optional<Registry> m_registry;
    std::string m_id;
    std::int64_t m_since_ns = 0;
    ServerCard m_card; // A NAME's: written before its socket.
    Fd m_fd;
    std::string m_resolved;
    std::chrono::steady_clock::time_point m_next_refresh;
};

}
