#include "ipc/nats/inbox.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/core/time.hpp"

#include <chrono>
#include <condition_variable>
#include <fmt/format.h>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ipc::nats {

namespace {

// How long close() waits for cnats to finish with our callbacks.
constexpr auto close_wait = std::chrono::seconds(2);

void signal(int fd) noexcept
{
    std::uint64_t const one = 1;
    (void)!::write(fd, &one, sizeof(one));
}

}

struct Inbox::Shared {
    Fd event_fd;
    Limits limits;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Received> messages; // Guarded by mutex, as all below.
    std::size_t bytes = 0;
    std::size_t completed = 0; // Subscriptions cnats is done with.
    bool closing = false;

    static void on_message(
        natsConnection*, natsSubscription* subscription, natsMsg* message, void* closure) noexcept
    {
        MessagePtr owned(message);
        auto* shared = static_cast<Shared*>(closure);
        auto const size = static_cast<std::size_t>(api().natsMsg_GetDataLength(message));
        std::unique_lock lock(shared->mutex);
        shared->changed.wait(lock, [&] {
            return shared->closing
                || (shared->bytes < shared->limits.bytes
                    && shared->messages.size() < shared->limits.messages);
        });
        if (shared->closing)
            return;
        bool const was_empty = shared->messages.empty();
        shared->messages.push_back({ std::move(owned), subscription, now_ns() });
        shared->bytes += size;
        lock.unlock();
        if (was_empty)
            signal(shared->event_fd.get());
    }

    // The last callback of a subscription, on cnats' thread of it (after its
    // last on_message). close() frees this once every subscription has
    // completed, so nothing here may touch it after the mutex is released:
    // the eventfd is written under the lock.
    static void on_complete(void* closure) noexcept
    {
        auto* shared = static_cast<Shared*>(closure);
        std::lock_guard lock(shared->mutex);
        ++shared->completed;
        signal(shared->event_fd.get());
        shared->changed.notify_all();
    }
};

Inbox::Inbox(Connection& connection, Limits limits)
    : m_connection(connection)
    , m_shared(std::make_unique<Shared>())
{
    m_shared->event_fd.reset(
        sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for NATS messages"));
    m_shared->limits = limits;
}

Inbox::Inbox(Connection& connection, std::string const& subject, std::string const& group)
    : Inbox(connection)
{
    subscribe(subject, group);
}

Inbox::~Inbox()
{
    close();
}

natsSubscription* Inbox::subscribe(std::string const& subject, std::string const& group)
{
    auto const& nats = api();
    auto const what = fmt::format("{}: subscribe to {}", m_connection.url(), subject);
    natsSubscription* subscription = nullptr;
    {
        SignalBlock const block; // cnats starts a thread per subscription.
        if (group.empty())
            check(nats.natsConnection_Subscribe(&subscription, m_connection.get(), subject.c_str(),
                      Shared::on_message, m_shared.get()),
                what);
        else
            check(nats.natsConnection_QueueSubscribe(&subscription, m_connection.get(),
                      subject.c_str(), group.c_str(), Shared::on_message, m_shared.get()),
                what);
    }
    watch(subscription, what);
    check(
        nats.natsSubscription_SetPendingLimits(subscription, -1, subscription_pending_bytes), what);
    return subscription;
}

void Inbox::adopt(natsSubscription* subscription)
{
    watch(subscription, fmt::format("{}: subscribe", m_connection.url()));
}

void Inbox::watch(natsSubscription* subscription, std::string const& what)
{
    m_subscriptions.push_back(subscription); // From now on close() ends it.
    check(api().natsSubscription_SetOnCompleteCB(subscription, Shared::on_complete, m_shared.get()),
        what);
}

bool Inbox::close() noexcept
{
    if (!m_shared)
        return true;
    auto const& nats = api();
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->closing = true; // Frees a callback waiting for room.
        m_shared->changed.notify_all();
    }
    for (auto* subscription : m_subscriptions)
        nats.natsSubscription_Unsubscribe(subscription); // An error: it had ended already.
    std::unique_lock lock(m_shared->mutex);
    bool const done = m_shared->changed.wait_for(
        lock, close_wait, [this] { return m_shared->completed >= m_subscriptions.size(); });
    m_shared->messages.clear();
    lock.unlock();
    // Freed once the connection is closed: cnats 3.4.1's reader thread may
    // still hand one a message it read before the unsubscription.
    for (auto* subscription : m_subscriptions)
        m_connection.destroy_later(subscription);
    m_subscriptions.clear();
    if (!done)
        (void)m_shared.release(); // A callback may still run: leave it what it points to.
    m_shared.reset();
    return done;
}

int Inbox::event_fd() const
{
    return m_shared->event_fd.get();
}

std::deque<Inbox::Received> Inbox::take()
{
    std::uint64_t count = 0;
    (void)!::read(m_shared->event_fd.get(), &count, sizeof(count));
    std::lock_guard lock(m_shared->mutex);
    m_shared->bytes = 0;
    m_shared->changed.notify_all();
    return std::exchange(m_shared->messages, {});
}

bool Inbox::ended() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->completed >= m_subscriptions.size();
}

}
