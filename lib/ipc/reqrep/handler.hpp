#pragma once

// What answers requests inside ipc-serve: the handler modes of DESIGN
// section 5 (and --session) behind one interface. The server owns the event loop; a
// handler adds its own fds to it, each with its own callback, and answers
// each request exactly once through the reply callback.

#include "ipc/core/time.hpp"
#include "ipc/framing/options.hpp"
#include "ipc/wire/frame.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace ipc::io {
class Loop;
}

namespace ipc::reqrep {

// Who asked: the transport's key for the client (LocalServer: its
// connection; a co-process keeps one key's requests in order), the
// client's request id, and the server's number for the request (#1 is the
// first it took; set by the Dispatcher, shown in logs and taps).
struct Job {
    std::uint64_t connection = 0;
    std::uint64_t id = 0;
    std::int64_t peer_uid = -1; // -1: not known (TCP).
    std::uint64_t number = 0;
};

using ReplyFn = std::function<void(Job const&, wire::ReplyStatus, std::string_view)>;
using StartFn = std::function<void(Job const&)>;

class Handler {
public:
    virtual ~Handler() = default;

    // Called once before any request: the server's loop (for the handler's
    // fds) and the reply callback.
    virtual void attach(io::Loop& loop, ReplyFn reply) = 0;

    // Takes one request; data is valid only during the call. Never called while full().
    virtual void submit(Job const& job, std::string_view data) = 0;
    // True while the handler wants no more requests (back-pressure).
    virtual bool full() const = 0;
    // Requests taken and not yet answered.
    virtual std::size_t in_flight() const = 0;

    // Runs after every round of events: start work, write batches, check deadlines.
    virtual void tick() = 0;
    // When tick() must run next for a deadline, nullopt for none.
    virtual std::optional<Deadline> deadline() const = 0;
    // The client of connection went away: drop its requests not started yet.
    virtual void cancel(std::uint64_t connection) = 0;
    // True when the handler can answer nothing more (stdio: stdin ended).
    virtual bool finished() const { return false; }
    // Called when the handler shows a request to whoever answers it (stdio:
    // when it is written to stdout); handlers that show nothing ignore it.
    virtual void on_start(StartFn) { }
    // The server drains: once it has answered what it holds, a handler with
    // processes of its own lets them end (--session closes their stdin).
    virtual void drain() { }
    // True while such processes are still ending: the server waits for them.
    virtual bool ending() const { return false; }
};

// How long a co-process may take over a reply, unless --handler-timeout says.
inline constexpr Duration default_pipe_timeout = std::chrono::seconds(5);
// How many sessions run at once, unless --jobs says.
inline constexpr std::uint64_t default_sessions = 64;

struct HandlerOptions {
    std::vector<std::string> command {}; // Empty: stdio mode.
    bool pipe = false; // --pipe: co-processes.
    bool session = false; // --session: a process per client.
    std::uint64_t jobs = 1;
    std::optional<Duration> handler_timeout {}; // Exec: none by default; --pipe, --session: 5s.
    framing::Options framing {}; // How requests and replies are framed to the handler.
    std::size_t max_size = 0; // The longest reply a handler may give.
    std::string name {}; // IPC_NAME.
};

// The handler mode options ask for: exec mode with a command, co-processes
// with pipe, a process per client with session, stdio mode without a
// command. Throws as their constructors do.
std::unique_ptr<Handler> make_handler(HandlerOptions const& options);

// For the modes that write requests framed to a reader (--pipe, --session,
// stdio). Throws Error(Usage) for framing that cannot separate them (--whole).
void require_separable(framing::Options const& framing);
// Why data cannot be written framed (it holds the delimiter); empty when it can.
std::string_view unframable(framing::Options const& framing, std::string_view data);
// Appends data framed: after a 4-byte big-endian length (--len), or followed
// by the delimiter.
void append_framed(std::string& out, framing::Options const& framing, std::string_view data);

}
