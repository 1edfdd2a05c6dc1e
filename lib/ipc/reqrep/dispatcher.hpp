#pragma once

// The server side's policy, whatever carries the requests: each request
// goes to the Handler, none is taken while it is full (back-pressure) or
// after --count, and a signal or --count starts a drain that answers every
// request taken, and waits for the handler's own processes to end
// (Handler::ending), before the server returns; a second signal abandons them.
// A transport (LocalServer; a NATS server later) owns its connections or
// subscriptions, registers their fds in loop(), calls submit() for each
// request it decodes and writes back what Transport::deliver() gets.

#include "ipc/core/error.hpp"
#include "ipc/core/time.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/reqrep/handler.hpp"
#include "ipc/reqrep/server.hpp"
#include "ipc/reqrep/watch.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::reqrep {

class Dispatcher {
public:
    // What a server's transport does for the dispatcher: once per round of
    // the loop, resume() before the handler runs and flush() after it.
    class Transport {
    public:
        virtual ~Transport() = default;
        // A reply to job: queue it for its client (drop it when the client has
        // gone) and write it in flush(). data is valid only during the call.
        virtual void deliver(Job const& job, wire::ReplyStatus status, std::string_view data) = 0;
        // Go on with requests left unread while nothing could be taken.
        virtual void resume() = 0;
        // Write the replies queued.
        virtual void flush() = 0;
        // True while replies are still to be written: a drain waits for them.
        virtual bool writing() const = 0;
        // The drain begins: take no new clients, read no more requests.
        virtual void drain() = 0;
        // Before each wait, unless draining: upkeep, and when the wait must
        // end for the next (now: requests wait that can be taken now).
        virtual std::optional<Deadline> upkeep() = 0;
        // Who sent job, for watchers (Exchange::client); asked while the
        // request is being submitted.
        virtual std::string client(Job const&) const { return {}; }
    };

    // Attaches the handler to loop(); its replies go to transport.deliver().
    Dispatcher(std::unique_ptr<Handler> handler, std::optional<std::uint64_t> count, Stop& stop,
        Transport& transport);

    // The one loop of the server: transport and handler fds, stop's signals.
    io::Loop& loop() { return m_loop; }

    // Tells the observers options asks for (-v, taps) of each request and
    // reply from now on; attaches them to loop().
    void watch(ServerOptions const& options);

    // True when a request may be handed over now: not draining, and the
    // handler has room.
    bool can_take() const { return !m_draining && !m_handler->full(); }
    bool draining() const { return m_draining; }

    // Hands one request to the handler (only when can_take()), numbered; data
    // is valid only during the call. The drain starts once --count were taken.
    void submit(Job job, std::string_view data);
    // The client of connection went away: the handler drops what it has not started.
    void cancel(std::uint64_t connection);

    // Serves as Server::run says.
    Exit run();

private:
    void begin_drain();
    void replied(Job const& job, wire::ReplyStatus status, std::string_view data);

    std::unique_ptr<Handler> m_handler;
    std::optional<std::uint64_t> m_count;
    Stop& m_stop;
    Transport& m_transport;
    io::Loop m_loop;
    std::uint64_t m_taken = 0;
    bool m_draining = false;
    std::vector<std::shared_ptr<Observer>> m_observers;
    struct Watched {
        Exchange exchange;
        std::uint64_t connection;
    };
    std::unordered_map<std::uint64_t, Watched> m_watched; // By number: requests observed.
};

}
