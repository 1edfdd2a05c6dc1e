#pragma once

// The server side of request-response: accepts clients on a Listener,
// decodes their Request frames, hands them to a Handler and writes back its
// replies, batched per connection. A bad client (a refused uid, garbage, an
// oversized frame) costs one stderr line and its connection; the server
// keeps serving the others. Back-pressure: while the handler is full, or a
// client does not read its replies, requests are left unread.

#include "ipc/core/error.hpp"
#include "ipc/io/poller.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/listener.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

struct ServerOptions {
    Address address;
    io::Access access {};
    std::size_t max_size = 0; // The longest request accepted.
    std::optional<std::uint64_t> count {}; // -n: serve this many requests, then exit.
    std::string ready_file {}; // Written with the resolved address once serving.
};

class Server {
public:
    // Binds the address. Throws Error when it cannot.
    Server(ServerOptions options, std::unique_ptr<Handler> handler, Stop& stop);
    ~Server();

    // Serves until --count requests were answered, a signal came (then the
    // requests already taken are answered first: a drain), or the handler
    // is finished: Ok. A second signal during a drain abandons what is left
    // unanswered: Interrupted or Terminated, after the first signal.
    Exit run();

private:
    struct Connection;

    void dispatch(std::uint64_t tag, std::uint32_t events);
    void accept_all();
    void on_readable(Connection& connection);
    void process(Connection& connection);
    bool can_take(Connection const& connection) const;
    void take(Connection& connection, std::string_view body);
    void reply(Job const& job, wire::ReplyStatus status, std::string_view data);
    void flush(Connection& connection);
    void update_interest(Connection& connection);
    void resume_waiting();
    void close(Connection& connection, std::string const& why);
    void begin_drain();
    bool drained() const;
    Connection* find(std::uint64_t key) const;
    void write_ready_file() const;

    ServerOptions m_options;
    std::unique_ptr<Handler> m_handler;
    Stop& m_stop;
    Listener m_listener;
    io::Poller m_poller;
    std::vector<std::unique_ptr<Connection>> m_connections; // Index: the slot.
    std::vector<std::uint64_t> m_dirty; // Keys of connections with replies to write.
    std::vector<std::uint64_t> m_waiting; // Keys of connections with input left unread.
    std::unique_ptr<char[]> m_read_buffer;
    std::uint64_t m_serial = 0;
    std::uint64_t m_taken = 0;
    bool m_draining = false;
    bool m_forced = false;
};

}
