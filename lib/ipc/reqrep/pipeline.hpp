#pragma once

// What a request-response client keeps, whatever carries its requests: the
// ids (1, 2, ...), the requests in flight in id order, their replies handed
// out in request order (a reply that overtakes an earlier one waits), which
// requests to send again after a lost server (up to `retries` times), and
// when a request runs out of --timeout or the run out of --deadline. Pure:
// no fds, no clock of its own (the transport says what time it is), so each
// case is a unit test.
//
// Requests travel on lanes, one per server connection (a transport with
// one connection, or none, uses lane 0). A server takes the requests of a
// lane in the order they were sent, so a request's --timeout clock starts
// when it could have been taken: when it was sent, or when the server
// answered the last of the requests sent before it on its lane, whichever
// is later. A batch that a slow server works through one by one therefore
// never times out while each request takes less than --timeout.

#include "ipc/core/time.hpp"
#include "ipc/reqrep/client.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::reqrep {

class Pipeline {
public:
    using Time = Deadline; // A point on the monotonic clock.
    using Lane = std::size_t;
    using Send = std::function<void(std::uint64_t id, std::string_view data)>;
    // Sends one request again and says on which lane it went.
    using SendOn = std::function<Lane(std::uint64_t id, std::string_view data)>;

    // keep: keep each request's data even without retries (a transport
    // that sends requests again for reasons of its own).
    Pipeline(std::optional<Duration> timeout, std::uint64_t retries, Client::OnReply deliver,
        bool keep = false);

    // --deadline: the run ends with a timeout at this time, whatever is in flight.
    void set_run_deadline(Time when) { m_run_deadline = when; }

    // A new request, sent (or batched) at now on lane: its id. Its data is
    // kept only when a retry may have to send it again.
    std::uint64_t add(std::string_view data, Time now, Lane lane = 0);

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
    // Requests sent and not answered yet, on every lane or on one.
    std::size_t unanswered() const;
    std::size_t unanswered(Lane lane) const;

    enum class Retry {
        Nothing, // None is unanswered: no retry used (connect when there is work).
        Resend, // One retry used: resend() what is unanswered.
        GiveUp, // Some are unanswered and no retry is left.
    };
    // The server of lane was lost (or, where there are no connections, the
    // oldest request timed out): whether to send its unanswered requests again.
    Retry lost(Lane lane = 0);
    // Calls send for every unanswered request of lane from, in id order,
    // and counts its time from now on the lane send chose.
    void resend(Lane from, Time now, SendOn const& send);
    // The same for a transport with one lane.
    void resend(Time now, Send const& send);

    // When the next request runs out of --timeout, or the run out of
    // --deadline, whichever comes first; nullopt for neither.
    std::optional<Deadline> deadline() const;
    // A request that has run out of --timeout at now (the oldest such).
    std::optional<std::uint64_t> overdue(Time now) const;
    // True once --deadline has run out.
    bool run_over(Time now) const { return m_run_deadline && now >= *m_run_deadline; }

private:
    struct Pending {
        std::uint64_t id;
        std::size_t size; // Of the request's data.
        Time sent;
        Lane lane;
        std::string data; // Kept only when a retry may need it.
        bool replied = false;
        bool ok = true;
        Time arrived {}; // Of its reply.
        std::string reply; // Only for replies that came before an earlier one.
    };
    struct LaneState {
        std::deque<std::uint64_t> order; // Ids in the order sent; the front is unanswered.
        std::size_t unanswered = 0;
        std::size_t held = 0; // Answered ids in order, behind the front.
        Time freed {}; // When the server answered the last request sent before the front.
    };

    Pending* find(std::uint64_t id);
    Pending const* find(std::uint64_t id) const;
    LaneState& lane(Lane lane);
    void settle(LaneState& lane, std::uint64_t id, Time now);
    std::optional<Time> due(LaneState const& lane) const;
    void pop(Time now);

    std::optional<Duration> m_timeout;
    std::optional<Time> m_run_deadline;
    std::uint64_t m_retries_left;
    bool m_keep; // Keep the data of requests: retries are allowed.
    Client::OnReply m_deliver;
    std::deque<Pending> m_pending; // Not yet handed out, in id order.
    std::vector<LaneState> m_lanes;
    std::uint64_t m_next_id = 1;
    std::size_t m_pending_bytes = 0;
    std::size_t m_unanswered = 0;
};

// The error lines of the two time limits, the same on every backend.
std::string request_timeout_message(std::string_view address, std::uint64_t id, Duration timeout);
std::string run_timeout_message(
    std::string_view address, Duration deadline, std::size_t unanswered);

}
