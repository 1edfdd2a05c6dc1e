#pragma once

// The local backend's Server: accepts clients on a Listener, decodes their
// Request frames for the Dispatcher and writes back the replies, batched per
// connection. A bad client (a refused uid, garbage, an oversized frame)
// costs one stderr line and its connection; the server keeps serving the
// others. Back-pressure: while the handler is full, or a client does not
// read its replies, requests are left unread.

#include "ipc/io/out_buffer.hpp"
#include "ipc/reqrep/dispatcher.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/listener.hpp"
#include "ipc/reqrep/server.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

class LocalServer final : public Server, private Dispatcher::Transport {
public:
    // Makes the handler handler asks for, then binds the address and starts
    // it. Throws Error when either cannot be done.
    LocalServer(ServerOptions options, HandlerOptions const& handler, Stop& stop);
    ~LocalServer() override;

    Exit run() override;

private:
    struct Connection;

    LocalServer(ServerOptions options, std::unique_ptr<Handler> handler, Stop& stop);

    // Dispatcher::Transport.
    void deliver(Job const& job, wire::ReplyStatus status, std::string_view data) override;
    void resume() override;
    void flush() override;
    bool writing() const override;
    void drain() override;
    std::optional<Deadline> upkeep() override;
    std::string client(Job const& job) const override;

    void watch_listener();
    void accept_all();
    void on_event(std::uint64_t key, std::uint32_t events);
    void on_readable(Connection& connection);
    void process(Connection& connection);
    bool can_take(Connection const& connection) const;
    void take(Connection& connection, std::string_view body);
    void write(Connection& connection);
    void update_interest(Connection& connection);
    void close(Connection& connection, std::string const& why);
    Connection* find(std::uint64_t key) const;

    ServerOptions m_options;
    Listener m_listener;
    Dispatcher m_dispatcher;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> m_connections; // By key.
    std::vector<std::uint64_t> m_dirty; // Keys of connections with replies to write.
    std::vector<std::uint64_t> m_waiting; // Keys of connections with input left unread.
    std::unique_ptr<char[]> m_read_buffer;
    std::uint64_t m_serial = 0; // The key of the last connection accepted.
};

}
