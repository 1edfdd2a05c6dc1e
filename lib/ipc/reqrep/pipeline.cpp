// Every request not handed out yet sits in a deque in id order, so a reply
// finds its request by subtraction; the front is never answered (it would
// have been handed out), which makes it the one --timeout watches.

#include "ipc/reqrep/pipeline.hpp"

#include <algorithm>

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

std::uint64_t Pipeline::add(std::string_view data, Time now)
{
    auto& pending = m_pending.emplace_back(Pending {
        m_next_id++, data.size(), now, m_keep ? std::string(data) : "", false, true, {} });
    m_pending_bytes += data.size();
    return pending.id;
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
    auto const first = m_pending.empty() ? 0 : m_pending.front().id;
    if (m_pending.empty() || id < first || id - first >= m_pending.size()
        || m_pending[id - first].replied)
        return Taken::NotWaiting;
    auto& pending = m_pending[id - first];
    if (id != first) { // Overtook an earlier request: it waits its turn.
        pending.replied = true;
        pending.ok = ok;
        pending.reply.assign(data);
        return Taken::Held;
    }
    m_deliver({ pending.id, ok, data, now - pending.sent });
    m_pending_bytes -= pending.size;
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
    return static_cast<std::size_t>(std::count_if(
        m_pending.begin(), m_pending.end(), [](auto const& p) { return !p.replied; }));
}

Pipeline::Retry Pipeline::lost()
{
    if (unanswered() == 0)
        return Retry::Nothing;
    if (m_retries_left == 0)
        return Retry::GiveUp;
    --m_retries_left;
    return Retry::Resend;
}

void Pipeline::resend(Time now, Send const& send)
{
    for (auto& pending : m_pending) {
        if (pending.replied)
            continue;
        send(pending.id, pending.data);
        pending.sent = now;
    }
}

std::optional<Deadline> Pipeline::deadline() const
{
    if (!m_timeout || m_pending.empty())
        return std::nullopt;
    return m_pending.front().sent + *m_timeout;
}

std::optional<std::uint64_t> Pipeline::overdue(Time now) const
{
    if (auto const due = deadline(); due && now >= *due)
        return m_pending.front().id;
    return std::nullopt;
}

}
