#pragma once

// Watching a server's traffic: the Dispatcher tells each Observer of every
// request it takes and of the reply it gives (ipc-serve -v, the taps of
// ipc-sub --tap). An observer that is not active() when a request comes
// costs one virtual call for it; the client is described only for active ones.

#include "ipc/core/time.hpp"
#include "ipc/wire/frame.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ipc::io {
class Loop;
}

namespace ipc::reqrep {

// What watchers know of one request.
struct Exchange {
    std::uint64_t number = 0; // The server's number for it: #1 is the first taken.
    std::string client; // "pid 4242 uid 1000", "peer 127.0.0.1:4711", "reply _INBOX.x.7".
    std::size_t in = 0; // Its bytes.
    Deadline taken {}; // When the server took it.
};

class Observer {
public:
    virtual ~Observer() = default;

    // Once, before any request: the server's loop, for fds of its own.
    virtual void attach(io::Loop&) { }
    // True when it wants the requests that come now.
    virtual bool active() const = 0;
    // A request taken (data valid during the call only).
    virtual void request(Exchange const& exchange, std::string_view data) = 0;
    // The request is shown to whoever answers it (stdio mode: written to stdout).
    virtual void started(Exchange const&) { }
    // Its reply, about to go out (data valid during the call only).
    virtual void reply(Exchange const& exchange, wire::ReplyStatus status, std::string_view data)
        = 0;
    // After each round of the server's loop: write out what was batched.
    virtual void flush() { }
};

// ipc-serve -v: one line per reply on stderr, "NAME #12 pid 4242 uid 1000 in
// 5 B out 7 B ok 1.3ms" (an error's text after ": ", its newlines as "\n");
// in stdio mode also one as each request is written out, "NAME #12 pid
// 4242 uid 1000 in 5 B: reply on stdin".
std::unique_ptr<Observer> make_verbose_log(std::string name);

// The one line of a reply for -v (pure, for the unit tests).
std::string verbose_line(std::string_view name, Exchange const& exchange, wire::ReplyStatus status,
    std::string_view data, Duration elapsed);

}
