// Every request not handed out yet sits in a deque in id order, so a reply
// finds its request by subtraction. Each lane keeps its ids in the order
// they were sent, with the answered ones taken off its front as they are
// answered: its front is the request its server takes next, or is working
// on, and the one --timeout watches on that lane.

#include "ipc/reqrep/pipeline.hpp"

#include "ipc/core/parse.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace ipc::reqrep {

namespace {

// In flight at once: enough to keep a server busy, bounded so that a client
// feeding a slow server does not hold all of its input in memory.
constexpr std::size_t max_in_flight = 16 * 1024;
constexpr std::size_t max_in_flight_bytes = 8 * 1024 * 1024;

}

Pipeline::Pipeline(
    std::optional<Duration> timeout, std::uint64_t retries, Client::OnReply deliver, bool keep)
    : m_timeout(timeout)
    , m_retries_left(retries)
    , m_keep(keep || retries > 0)
    , m_deliver(std::move(deliver))
{
}

Pipeline::Pending* Pipeline::find(std::uint64_t id)
{
    auto const first = m_pending.empty() ? 0 : m_pending.front().id;
    if (m_pending.empty() || id < first || id - first >= m_pending.size())
        return nullptr;
    return &m_pending[id - first];
}

Pipeline::Pending const* Pipeline::find(std::uint64_t id) const
{
    return const_cast<Pipeline*>(this)->find(id);
}

Pipeline::LaneState& Pipeline::lane(Lane lane)
{
    if (lane >= m_lanes.size())
        m_lanes.resize(lane + 1);
    return m_lanes[lane];
}

std::uint64_t Pipeline::add(std::string_view data, Time now, Lane on)
{
    auto& pending = m_pending.emplace_back(Pending {
        m_next_id++, data.size(), now, on, m_keep ? std::string(data) : "", false, true, {}, {} });
    m_pending_bytes += data.size();
    ++m_unanswered;
    auto& state = on < m_lanes.size() ? m_lanes[on] : lane(on);
    state.order.push_back(pending.id);
    ++state.unanswered;
    return pending.id;
}

// Request id of lane was answered at now: takes the answered requests off
// the lane's front. The server was free for the next one when the last of
// them was answered. Looks up only what may have been answered (held).
void Pipeline::settle(LaneState& lane, std::uint64_t id, Time now)
{
    if (lane.order.empty() || lane.order.front() != id) {
        ++lane.held; // Overtook the front: it stays behind it.
        return;
    }
    lane.freed = std::max(lane.freed, now);
    lane.order.pop_front();
    while (lane.held > 0 && !lane.order.empty()) {
        auto const* pending = find(lane.order.front());
        if (pending && !pending->replied)
            return;
        if (pending) // Else handed out already, after a resend moved it to another lane.
            lane.freed = std::max(lane.freed, pending->arrived);
        lane.order.pop_front();
        --lane.held;
    }
}

void Pipeline::pop(Time now)
{
    auto const& pending = m_pending.front();
    m_deliver({ pending.id, pending.ok, pending.reply, now - pending.sent });
    m_pending_bytes -= pending.size;
    m_pending.pop_front();
}

Pipeline::Taken Pipeline::take(std::uint64_t id, bool ok, std::string_view data, Time now)
{
    auto* pending = find(id);
    if (!pending || pending->replied)
        return Taken::NotWaiting;
    pending->replied = true;
    pending->arrived = now;
    --m_unanswered;
    auto& state = m_lanes[pending->lane];
    --state.unanswered;
    settle(state, id, now); // Before the delivery below drops the requests it looks at.
    if (id != m_pending.front().id) { // Overtook an earlier request: it waits its turn.
        pending->ok = ok;
        pending->reply.assign(data);
        return Taken::Held;
    }
    m_deliver({ pending->id, ok, data, now - pending->sent });
    m_pending_bytes -= pending->size;
    m_pending.pop_front();
    while (!m_pending.empty() && m_pending.front().replied)
        pop(now);
    return Taken::Delivered;
}

bool Pipeline::full() const
{
    return m_pending.size() >= max_in_flight || m_pending_bytes >= max_in_flight_bytes;
}

std::size_t Pipeline::unanswered() const
{
    return m_unanswered;
}

std::size_t Pipeline::unanswered(Lane lane) const
{
    return lane < m_lanes.size() ? m_lanes[lane].unanswered : 0;
}

Pipeline::Retry Pipeline::lost(Lane lane)
{
    if (unanswered(lane) == 0)
        return Retry::Nothing;
    if (m_retries_left == 0)
        return Retry::GiveUp;
    --m_retries_left;
    return Retry::Resend;
}

void Pipeline::resend(Lane from, Time now, SendOn const& send)
{
    if (from >= m_lanes.size())
        return;
    auto const order = std::move(m_lanes[from].order);
    m_lanes[from] = {};
    std::vector<std::uint64_t> ids;
    for (auto const id : order)
        if (auto const* pending = find(id); pending && !pending->replied)
            ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (auto const id : ids) {
        auto& pending = *find(id);
        auto const to = send(id, pending.data);
        pending.lane = to;
        pending.sent = now;
        auto& state = lane(to);
        state.order.push_back(id);
        ++state.unanswered;
    }
}

void Pipeline::resend(Time now, Send const& send)
{
    resend(0, now, [&send](std::uint64_t id, std::string_view data) {
        send(id, data);
        return Lane { 0 };
    });
}

std::optional<Pipeline::Time> Pipeline::due(LaneState const& lane) const
{
    if (!m_timeout || lane.order.empty())
        return std::nullopt;
    auto const* front = find(lane.order.front());
    if (!front)
        return std::nullopt; // settle() leaves an unanswered front: cannot happen.
    return std::max(front->sent, lane.freed) + *m_timeout;
}

std::optional<Deadline> Pipeline::deadline() const
{
    auto earliest = m_run_deadline;
    for (auto const& lane : m_lanes)
        if (auto const when = due(lane); when && (!earliest || *when < *earliest))
            earliest = when;
    return earliest;
}

std::optional<std::uint64_t> Pipeline::overdue(Time now) const
{
    std::optional<std::uint64_t> oldest;
    for (auto const& lane : m_lanes)
        if (auto const when = due(lane); when && now >= *when)
            if (!oldest || lane.order.front() < *oldest)
                oldest = lane.order.front();
    return oldest;
}

std::string request_timeout_message(std::string_view address, std::uint64_t id, Duration timeout)
{
    return fmt::format("{}: request {}: no reply within {}", address, id, format_duration(timeout));
}

std::string run_timeout_message(std::string_view address, Duration deadline, std::size_t unanswered)
{
    if (unanswered == 0)
        return fmt::format("{}: --deadline {} ran out", address, format_duration(deadline));
    return fmt::format("{}: --deadline {} ran out with {} {} unanswered", address,
        format_duration(deadline), unanswered, unanswered == 1 ? "request" : "requests");
}

}
