#include "ipc/nats/inbox.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"

#include <chrono>
#include <condition_variable>
#include <fmt/format.h>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ipc::nats {

namespace {

// cnats keeps this much for a subscription that is behind, however many
// messages it is (its default, 65,536 messages, would drop bursts).
constexpr int pending_bytes = 64 * 1024 * 1024;
// How long the destructor waits for cnats to finish with our callbacks.
constexpr auto close_wait = std::chrono::seconds(2);

void signal(int fd) noexcept
{
    std::uint64_t const one = 1;
    (void)!::write(fd, &one, sizeof(one));
}

}

struct Inbox::Shared {
    Fd event_fd;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<MessagePtr> messages; // Guarded by mutex, as below.
    bool ended = false;

    static void on_message(
        natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept
    {
        auto* shared = static_cast<Shared*>(closure);
        bool was_empty = false;
        {
            std::lock_guard lock(shared->mutex);
            was_empty = shared->messages.empty();
            shared->messages.emplace_back(message);
        }
        if (was_empty)
            signal(shared->event_fd.get());
    }

    static void on_complete(void* closure) noexcept
    {
        auto* shared = static_cast<Shared*>(closure);
        {
            std::lock_guard lock(shared->mutex);
            shared->ended = true;
            shared->changed.notify_all();
        }
        signal(shared->event_fd.get());
    }
};

Inbox::Inbox(Connection& connection, std::string const& subject, std::string const& group)
    : m_connection(connection)
    , m_shared(std::make_unique<Shared>())
{
    auto const& nats = api();
    m_shared->event_fd.reset(
        sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for NATS messages"));
    auto const what = fmt::format("{}: subscribe to {}", connection.url(), subject);
    {
        SignalBlock const block; // cnats starts a thread per subscription.
        if (group.empty())
            check(nats.natsConnection_Subscribe(&m_subscription, connection.get(), subject.c_str(),
                      Shared::on_message, m_shared.get()),
                what);
        else
            check(nats.natsConnection_QueueSubscribe(&m_subscription, connection.get(),
                      subject.c_str(), group.c_str(), Shared::on_message, m_shared.get()),
                what);
    }
    check(
        nats.natsSubscription_SetOnCompleteCB(m_subscription, Shared::on_complete, m_shared.get()),
        what);
    check(nats.natsSubscription_SetPendingLimits(m_subscription, -1, pending_bytes), what);
}

Inbox::~Inbox()
{
    auto const& nats = api();
    nats.natsSubscription_Unsubscribe(m_subscription); // An error: it had ended already.
    std::unique_lock lock(m_shared->mutex);
    bool const done
        = m_shared->changed.wait_for(lock, close_wait, [this] { return m_shared->ended; });
    m_shared->messages.clear();
    lock.unlock();
    m_connection.destroy_later(m_subscription);
    if (!done)
        (void)m_shared.release(); // A callback may still run: leave it what it points to.
}

int Inbox::event_fd() const
{
    return m_shared->event_fd.get();
}

std::deque<MessagePtr> Inbox::take()
{
    std::uint64_t count = 0;
    (void)!::read(m_shared->event_fd.get(), &count, sizeof(count));
    std::lock_guard lock(m_shared->mutex);
    return std::exchange(m_shared->messages, {});
}

bool Inbox::ended() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->ended;
}

}
