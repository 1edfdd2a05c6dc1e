// push's batching policy (pusher.hpp).

#include "ipc/queue/pusher.hpp"

namespace ipc::queue {

Pusher::Pusher(Queue& queue, PushOptions const& options, Key const& key, BatchLimits limits)
    : m_queue(queue)
    , m_options(options)
    , m_key(key.name)
    , m_window(key.window)
    , m_limits(limits)
{
    if (m_key.empty())
        return;
    // Claimed now, not with the first item: a busy or finished key is
    // known before any input is read.
    open();
    commit(End::Batch);
}

Pusher::~Pusher()
{
    if (m_open)
        m_queue.rollback();
}

void Pusher::add(std::string_view data)
{
    if (!m_open)
        open(); // With the first item, so no lock is held while input pauses.
    m_queue.add(data, m_options);
    ++m_items;
    m_bytes += data.size();
    if (m_items >= m_limits.items || m_bytes >= m_limits.bytes)
        commit(End::Batch);
}

void Pusher::pause()
{
    if (m_open)
        commit(End::Batch);
}

void Pusher::finish()
{
    if (!m_open && !m_key.empty())
        open(); // The push under the key ends with a batch.
    if (m_open)
        commit(End::Push);
}

void Pusher::open()
{
    m_queue.begin({ m_key, m_window });
    m_open = true;
}

void Pusher::commit(End end)
{
    auto const committed = m_queue.commit(end);
    m_open = false;
    m_items = 0;
    m_bytes = 0;
    m_total.stored += committed.stored;
    m_total.duplicates += committed.duplicates;
    m_total.finished = m_total.finished || committed.finished;
}

}
