#pragma once

// The client side of request-response: requests are pipelined over one
// connection (many in flight, matched by id) and replies are handed out in
// the order the requests were made. On a lost connection the requests still
// unanswered are sent again, to another server of the same name when there
// is one, up to `retries` times.

#include "ipc/core/limits.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/names/address.hpp"
#include "ipc/reqrep/connect.hpp"
#include "ipc/wire/decoder.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

struct ClientOptions {
    Address address;
    std::optional<Duration> timeout {}; // Per request: Error(Timeout) when it runs out.
    std::optional<Duration> wait {}; // For a server to appear (also when reconnecting).
    std::uint64_t retries = 0; // Reconnections allowed after a lost connection.
    std::size_t max_size = default_max_size; // The longest reply accepted.
};

struct Outcome {
    std::uint64_t id = 0; // 1 for the first request, and so on.
    bool ok = true; // False: data is the server's reason for the error.
    std::string_view data;
    Duration elapsed {}; // From sending the request to its reply.
};

class Client {
public:
    using OnReply = std::function<void(Outcome const&)>;
    using OnIdle = std::function<void()>;

    // Connects at once (waiting up to options.wait). Throws Error(Unavailable)
    // when no server listens. on_reply gets every reply, in request order;
    // on_idle runs before the client blocks (flush output there).
    Client(ClientOptions options, Stop& stop, OnReply on_reply, OnIdle on_idle);
    ~Client();

    // Queues one request. Writes when the batch is large, and waits for
    // replies while too many are in flight. Throws Error(Timeout) for a
    // request that got no reply in time, Error(Unavailable) for a lost
    // connection with no retry left.
    void send(std::string_view data);

    // Sends what is batched and handles replies until fd is readable: the
    // on_idle hook of a framing::Reader. False when a signal came first.
    bool wait_input(int fd);

    // Sends everything and waits for every reply; false when a signal came first.
    bool finish();

    // True once a signal ended the wait.
    bool interrupted() const { return m_interrupted; }

private:
    using Clock = std::chrono::steady_clock;
    struct Pending {
        std::uint64_t id;
        std::size_t size; // Of the request's data.
        Clock::time_point sent;
        std::string data; // Kept only when a retry may need it.
        bool replied = false;
        bool ok = true;
        std::string reply; // Only for replies that came before an earlier one.
    };

    void connect(std::string const& avoid);
    void disconnect();
    bool pump(int input_fd, bool block);
    void write_out();
    void read_replies();
    void take(wire::Reply const& reply);
    void deliver_ready();
    void lost(char const* why);
    std::optional<Deadline> deadline() const; // Of the oldest request, under --timeout.
    [[noreturn]] void timed_out();

    ClientOptions m_options;
    Stop& m_stop;
    io::Loop m_loop; // The stop's signalfd and the connection.
    std::uint32_t m_socket_events = 0; // What the last wait saw on the connection.
    OnReply m_on_reply;
    OnIdle m_on_idle;
    Connected m_connection;
    std::deque<Pending> m_pending; // Sent or queued, not yet handed out, in id order.
    std::uint64_t m_next_id = 1;
    std::size_t m_pending_bytes = 0;
    io::OutBuffer m_out; // Frames not yet written.
    std::unique_ptr<char[]> m_in;
    wire::Decoder m_decoder;
    std::uint64_t m_retries_left;
    bool m_interrupted = false;
    bool m_connected = false;
    std::uint64_t m_generation = 0; // Counts connections made.
};

}
