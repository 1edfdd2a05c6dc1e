#pragma once

// One connection to a NATS server or cluster, and the one place where a
// natsStatus becomes an ipc::Error. Our loops stay single-threaded: cnats
// calls us back on its own threads, and those callbacks only record what
// happened and write an eventfd, which our io::Loop watches; handle_events()
// then acts on it on our thread.

#include "ipc/core/fd.hpp"
#include "ipc/names/url.hpp"
#include "ipc/nats/library.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <signal.h>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::nats {

// Blocks SIGINT and SIGTERM in this thread while it lives: a thread that
// cnats starts meanwhile inherits the mask, so the signals reach our
// signalfd (io::Stop) and never one of cnats' threads.
class SignalBlock {
public:
    SignalBlock();
    ~SignalBlock();
    SignalBlock(SignalBlock const&) = delete;
    SignalBlock& operator=(SignalBlock const&) = delete;

private:
    sigset_t m_old {};
};

// Throws the Error for status (not NATS_OK) while doing `what`: 2 for a
// message over the server's max_payload, 69 for no server, auth, TLS,
// permissions and a closed connection, 70 otherwise.
[[noreturn]] void fail(natsStatus status, std::string_view what, std::string_view detail = {});

inline void check(natsStatus status, std::string_view what)
{
    if (status != NATS_OK)
        fail(status, what);
}

class Connection {
public:
    // Connects to one of backend.url's servers, in order. Throws Error: 2
    // for an unreadable --creds or --tls-ca file, 69 when no server can be
    // reached or we are refused. After that it reconnects for ever, every
    // 250 ms plus jitter, with a warning per disconnect and reconnect.
    explicit Connection(BackendOptions const& backend);
    ~Connection();
    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    natsConnection* get() const { return m_connection; }
    std::string const& url() const { return m_shown_url; }

    // Readable when something happened (an event, or a wake()).
    int event_fd() const { return m_shared->event_fd.get(); }
    // Makes event_fd() readable; callable from any thread.
    void wake() noexcept;
    // True when an event waits for handle_events(): cheap, for hot paths.
    bool has_events() const { return m_shared->pending.load(std::memory_order_relaxed); }

    // Reads event_fd() and acts on what happened: a line on stderr per
    // disconnect and reconnect; on_slow(sub) for a subscription that
    // dropped messages; throws Error(Unavailable) for a permission
    // violation or a connection closed for good.
    using OnSlow = std::function<void(natsSubscription*)>;
    void handle_events(OnSlow const& on_slow = {});

    // After a flush round trip: throws Error(Unavailable) when the server
    // refused something sent before it (a permission violation) though cnats
    // has not called us back about it yet, then handle_events().
    void check_refused();

    // The server's words when it refused a request to JetStream's API (the
    // user may not use JetStream), else empty. Such a refusal is no event to
    // end on: the request itself fails, as a timeout, and its caller says why.
    std::string jetstream_refusal() const;

    // Bytes the server takes in one message (its max_payload).
    std::size_t max_payload() const;

    // Frees subscription (unsubscribed already) once the connection is
    // closed: cnats 3.4.1's reader thread may still be handing it a message
    // it read before the unsubscription, and would lock freed memory.
    void destroy_later(natsSubscription* subscription) { m_unsubscribed.push_back(subscription); }

private:
    struct Event {
        enum class Kind { Disconnected, Reconnected, Error } kind;
        natsStatus status = NATS_OK;
        natsSubscription* subscription = nullptr;
    };
    // What cnats' threads touch. It lives until cnats says the connection
    // is closed (its last callback), else it is left behind on purpose.
    struct Shared {
        Fd event_fd;
        std::mutex mutex;
        std::condition_variable closed_changed;
        std::vector<Event> events; // Guarded by mutex.
        bool closed = false; // Guarded by mutex.
        bool closing = false; // Guarded by mutex: our own close, not worth a line.
        std::atomic<bool> pending { false };
        void record(Event event) noexcept;
    };
    static void on_disconnected(natsConnection* connection, void* closure);
    static void on_reconnected(natsConnection* connection, void* closure);
    static void on_closed(natsConnection* connection, void* closure);
    static void on_error(natsConnection* connection, natsSubscription* subscription,
        natsStatus status, void* closure);
    std::string connected_url() const;

    Api const& m_api;
    std::unique_ptr<Shared> m_shared;
    natsConnection* m_connection = nullptr;
    std::string m_shown_url; // The server we are connected to, for messages.
    std::vector<natsSubscription*> m_unsubscribed; // See destroy_later().
};

}
