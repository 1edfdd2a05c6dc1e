#pragma once

// What a request-response client keeps, whatever carries its requests: the
// ids (1, 2, ...), the requests in flight in id order, their replies handed
// out in request order (a reply that overtakes an earlier one waits), which
// requests to send again after a lost server (up to `retries` times), and
// when the oldest request runs out of --timeout. Pure: no fds, no clock of
// its own (the transport says what time it is), so each case is a unit test.

#include "ipc/core/time.hpp"
#include "ipc/reqrep/client.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::reqrep {

class Pipeline {
public:
    using Time = Deadline; // A point on the monotonic clock.
    using Send = std::function<void(std::uint64_t id, std::string_view data)>;

    // keep: keep each request's data even without retries (a transport
    // that sends requests again for reasons of its own).
    Pipeline(std::optional<Duration> timeout, std::uint64_t retries, Client::OnReply deliver,
        bool keep = false);

    // A new request, sent (or batched) at now: its id. Its data is kept
    // only when a retry may have to send it again.
    std::uint64_t add(std::string_view data, Time now);

    enum class Taken {
        Delivered, // It was the oldest: handed out, with the replies waiting behind it.
        Held, // An earlier request is unanswered: it waits (copied) for its turn.
        NotWaiting, // No request with this id is waiting for a reply.
    };
    // A reply to request id, arrived at now. data is used only during the call.
    Taken take(std::uint64_t id, bool ok, std::string_view data, Time now);

    // Back-pressure: true while so many requests (or bytes) are in flight
    // that the client should wait for replies before sending more.
    bool full() const;
    // True when every request was answered and handed out.
    bool empty() const { return m_pending.empty(); }
    // Requests sent and not answered yet.
    std::size_t unanswered() const;

    enum class Retry {
        Nothing, // None is unanswered: no retry used (connect when there is work).
        Resend, // One retry used: resend() what is unanswered.
        GiveUp, // Some are unanswered and no retry is left.
    };
    // The server was lost (or, where there are no connections, the oldest
    // request timed out): whether to send the unanswered requests again.
    Retry lost();
    // Calls send for every unanswered request, in id order, and counts its
    // time from now.
    void resend(Time now, Send const& send);

    // When the oldest request runs out of --timeout; nullopt for none.
    std::optional<Deadline> deadline() const;
    // The oldest request if it has run out of --timeout at now.
    std::optional<std::uint64_t> overdue(Time now) const;

private:
    struct Pending {
        std::uint64_t id;
        std::size_t size; // Of the request's data.
        Time sent;
        std::string data; // Kept only when a retry may need it.
        bool replied = false;
        bool ok = true;
        std::string reply; // Only for replies that came before an earlier one.
    };

    void pop(Time now);

    std::optional<Duration> m_timeout;
    std::uint64_t m_retries_left;
    bool m_keep; // Keep the data of requests: retries are allowed.
    Client::OnReply m_deliver;
    std::deque<Pending> m_pending; // Not yet handed out, in id order.
    std::uint64_t m_next_id = 1;
    std::size_t m_pending_bytes = 0;
};

}
