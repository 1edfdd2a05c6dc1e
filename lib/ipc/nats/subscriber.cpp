#include "ipc/nats/subscriber.hpp"

#include "ipc/core/headers.hpp"
#include "ipc/core/limits.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/core/time.hpp"
#include "ipc/names/name.hpp"
#include "ipc/nats/pubsub.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <sys/eventfd.h>
#include <sys/stat.h>

namespace ipc::nats {

namespace {

// cnats keeps up to this much for a subscriber that is behind, however
// many messages it is (its default, 65,536 messages, drops bursts of small ones).
constexpr int pending_bytes = 64 * 1024 * 1024;
// Our own list, between cnats' thread and ours.
constexpr std::size_t inbox_bytes = 4 * 1024 * 1024;
constexpr std::size_t inbox_messages = 16384;
// How long the destructor waits for cnats to finish with our callbacks.
constexpr auto close_wait = std::chrono::seconds(2);
// Subscriptions are confirmed by a flush round trip before receiving.
constexpr std::int64_t subscribe_flush_ms = 10000;

constexpr std::string_view internal_prefix = "_IPC";

}

struct Subscriber::Inbox {
    Fd event_fd;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Received> messages; // Guarded by mutex, as all below.
    std::size_t bytes = 0;
    bool closing = false;
    std::size_t completed = 0; // Subscriptions cnats is done with.

    static void on_message(
        natsConnection*, natsSubscription* subscription, natsMsg* message, void* closure) noexcept
    {
        auto* inbox = static_cast<Inbox*>(closure);
        auto const& nats = api();
        auto const size = static_cast<std::size_t>(nats.natsMsg_GetDataLength(message));
        std::unique_lock lock(inbox->mutex);
        inbox->changed.wait(lock, [&] {
            return inbox->closing
                || (inbox->bytes < inbox_bytes && inbox->messages.size() < inbox_messages);
        });
        if (inbox->closing) {
            lock.unlock();
            nats.natsMsg_Destroy(message);
            return;
        }
        bool const was_empty = inbox->messages.empty();
        inbox->messages.push_back({ message, subscription, now_ns() });
        inbox->bytes += size;
        lock.unlock();
        if (was_empty) {
            std::uint64_t const one = 1;
            (void)!::write(inbox->event_fd.get(), &one, sizeof(one));
        }
    }

    static void on_complete(void* closure) noexcept
    {
        auto* inbox = static_cast<Inbox*>(closure);
        std::lock_guard lock(inbox->mutex);
        ++inbox->completed;
        inbox->changed.notify_all();
    }
};

Subscriber::Subscriber(BackendOptions const& backend, std::vector<Pattern> const& patterns,
    pubsub::SubscribeOptions const& options)
    : m_options(options)
    , m_connection(backend)
    , m_inbox(std::make_unique<Inbox>())
{
    if (m_options.max_size == 0)
        m_options.max_size = default_max_size;
    m_inbox->event_fd.reset(
        sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for NATS messages"));
    // Not a catch site of the kind STYLE section 6 means: it only undoes
    // the subscriptions made so far, whose callbacks point at m_inbox,
    // before the error goes on (no destructor runs for a half-made object).
    try {
        for (auto const& pattern : without_covered(patterns))
            subscribe(pattern);
        // Once the server has our subscriptions, a publisher started after
        // us reaches us; a refusal (a permission violation) is back by then.
        check(api().natsConnection_FlushTimeout(m_connection.get(), subscribe_flush_ms),
            fmt::format("{}: subscribe", m_connection.url()));
        m_connection.handle_events();
        answer_census(patterns);
    } catch (...) {
        close();
        throw;
    }
}

// Only now, with our subscriptions in place, may a publisher count us.
void Subscriber::answer_census(std::vector<Pattern> const& patterns)
{
    auto const& nats = api();
    m_census->connection = m_connection.get();
    m_census->patterns = patterns;
    {
        SignalBlock const block;
        check(nats.natsConnection_Subscribe(&m_census_subscription, m_connection.get(),
                  census_subject, CensusAnswer::on_request, m_census.get()),
            "census");
    }
    check(nats.natsSubscription_SetOnCompleteCB(
              m_census_subscription, Inbox::on_complete, m_inbox.get()),
        "census");
    check(nats.natsConnection_FlushTimeout(m_connection.get(), subscribe_flush_ms), "census");
    check(nats.natsConnection_Publish(m_connection.get(), hello_subject, m_census->id.data(),
              static_cast<int>(m_census->id.size())),
        "census");
}

void Subscriber::subscribe(Pattern const& pattern)
{
    auto const& nats = api();
    SignalBlock const block; // cnats starts a thread per subscription.
    Subscription subscription { nullptr, pattern.text(),
        std::string_view(pattern.text()).starts_with(internal_prefix) };
    auto const what = fmt::format("{}: subscribe to {}", m_connection.url(), pattern.text());
    if (m_options.group.empty())
        check(nats.natsConnection_Subscribe(&subscription.handle, m_connection.get(),
                  pattern.text().c_str(), Inbox::on_message, m_inbox.get()),
            what);
    else
        check(
            nats.natsConnection_QueueSubscribe(&subscription.handle, m_connection.get(),
                pattern.text().c_str(), m_options.group.c_str(), Inbox::on_message, m_inbox.get()),
            what);
    m_subscriptions.push_back(subscription);
    check(nats.natsSubscription_SetOnCompleteCB(
              subscription.handle, Inbox::on_complete, m_inbox.get()),
        what);
    check(nats.natsSubscription_SetPendingLimits(subscription.handle, -1, pending_bytes), what);
}

Subscriber::~Subscriber()
{
    close();
}

void Subscriber::close() noexcept
{
    if (!m_inbox)
        return;
    auto const& nats = api();
    {
        std::lock_guard lock(m_inbox->mutex);
        m_inbox->closing = true;
        m_inbox->changed.notify_all();
    }
    for (auto& subscription : m_subscriptions) {
        report_drops(subscription, true);
        nats.natsSubscription_Unsubscribe(subscription.handle);
    }
    std::size_t subscriptions = m_subscriptions.size();
    if (m_census_subscription) {
        nats.natsSubscription_Unsubscribe(m_census_subscription);
        ++subscriptions;
    }
    std::unique_lock lock(m_inbox->mutex);
    bool const done = m_inbox->changed.wait_for(
        lock, close_wait, [&] { return m_inbox->completed == subscriptions; });
    for (auto const& received : m_inbox->messages)
        nats.natsMsg_Destroy(received.message);
    m_inbox->messages.clear();
    lock.unlock();
    // Freed once the connection is closed: cnats 3.4.1's reader thread may
    // still hand one a message it read before the unsubscription.
    for (auto const& subscription : m_subscriptions)
        m_connection.destroy_later(subscription.handle);
    if (m_census_subscription)
        m_connection.destroy_later(m_census_subscription);
    m_census_subscription = nullptr;
    for (auto const& received : m_ready)
        nats.natsMsg_Destroy(received.message);
    m_ready.clear();
    m_subscriptions.clear();
    release_held();
    if (!done) { // A callback may still run: leave it what it points to.
        (void)m_inbox.release();
        (void)m_census.release();
    }
    m_inbox.reset();
}

Subscriber::Subscription* Subscriber::find(natsSubscription* handle)
{
    for (auto& subscription : m_subscriptions)
        if (subscription.handle == handle)
            return &subscription;
    return nullptr;
}

void Subscriber::report_drops(Subscription& subscription, bool at_exit)
{
    std::int64_t dropped = 0;
    if (api().natsSubscription_GetDropped(subscription.handle, &dropped) != NATS_OK
        || dropped <= (at_exit ? 0 : subscription.dropped_reported))
        return;
    if (at_exit)
        warn("{}: {} messages were dropped in all because this subscriber was too slow",
            subscription.pattern, dropped);
    else
        warn("{}: {} messages dropped so far: this subscriber is too slow (NATS keeps at most "
             "{} MiB for it)",
            subscription.pattern, dropped, pending_bytes / (1024 * 1024));
    subscription.dropped_reported = dropped;
}

void Subscriber::setup_loop(Stop& stop)
{
    m_loop.emplace(stop);
    m_loop->add(m_connection.event_fd(), EPOLLIN, [this](std::uint32_t) {
        m_connection.handle_events([this](natsSubscription* handle) {
            if (auto* subscription = find(handle))
                report_drops(*subscription, false);
        });
    });
    m_loop->add(m_inbox->event_fd.get(), EPOLLIN, [this](std::uint32_t) {
        std::uint64_t count = 0;
        (void)!::read(m_inbox->event_fd.get(), &count, sizeof(count));
    });
    // No events asked: epoll reports EPOLLERR once a pipe's reader is gone.
    // Files and terminals need no watching (and epoll takes no file).
    struct stat status { };
    if (int const fd = stop.output_fd(); fd >= 0 && ::fstat(fd, &status) == 0
        && (S_ISFIFO(status.st_mode) || S_ISSOCK(status.st_mode)))
        m_loop->add(fd, 0, [&stop](std::uint32_t) { stop.output_closed(); });
}

void Subscriber::take_inbox()
{
    std::lock_guard lock(m_inbox->mutex);
    if (m_inbox->messages.empty())
        return;
    if (m_ready.empty())
        m_ready.swap(m_inbox->messages);
    else
        m_ready.insert(m_ready.end(), m_inbox->messages.begin(), m_inbox->messages.end());
    m_inbox->messages.clear();
    m_inbox->bytes = 0;
    m_inbox->changed.notify_all();
}

void Subscriber::release_held()
{
    if (m_held)
        api().natsMsg_Destroy(m_held);
    m_held = nullptr;
}

std::string_view Subscriber::headers_of(natsMsg* message)
{
    auto const& nats = api();
    m_headers.clear();
    char const** keys = nullptr;
    int count = 0;
    if (auto const status = nats.natsMsgHeader_Keys(message, &keys, &count); status != NATS_OK) {
        // cnats 3.4.1 cannot parse some headers (an empty value, for one).
        if (status != NATS_NOT_FOUND)
            warn("{}: headers left out: cnats cannot read them ({})",
                nats.natsMsg_GetSubject(message), nats.natsStatus_GetText(status));
        return {};
    }
    if (count <= 0)
        return {};
    // cnats keeps keys in a hash: sorted, they come out the same every time.
    std::vector<std::string_view> sorted(keys, keys + count);
    std::sort(sorted.begin(), sorted.end());
    HeadersBuilder builder;
    for (auto const key : sorted) {
        char const** values = nullptr;
        int value_count = 0;
        if (nats.natsMsgHeader_Values(message, key.data(), &values, &value_count) != NATS_OK)
            continue;
        builder.add_key(key);
        for (int i = 0; i < value_count; ++i)
            builder.add_value(values[i]);
        std::free(static_cast<void*>(values));
    }
    std::free(static_cast<void*>(keys));
    std::string error;
    auto block = builder.finish(error);
    if (!block) {
        warn("{}: headers left out: {}", nats.natsMsg_GetSubject(message), error);
        return {};
    }
    m_headers = std::move(*block);
    return m_headers;
}

std::optional<MessageView> Subscriber::accept(Received const& received)
{
    auto const& nats = api();
    m_held = received.message;
    std::string_view const subject = nats.natsMsg_GetSubject(received.message);
    auto const* subscription = find(received.subscription);
    if (subject.starts_with("_IPC.") && !(subscription && subscription->shows_internal))
        return std::nullopt; // Our own traffic (census, queues), unless asked for.
    if (subject != m_valid_subject) { // Checked once per run of a subject, not per message.
        if (!is_valid_name(subject)) {
            warn("a message on {} was skipped: not a valid topic name", printable(subject));
            return std::nullopt;
        }
        m_valid_subject = subject;
    }
    auto const size = static_cast<std::size_t>(nats.natsMsg_GetDataLength(received.message));
    if (size > m_options.max_size) {
        warn("{}: a message of {} bytes was skipped: longer than --max-size ({} bytes)", subject,
            size, m_options.max_size);
        return std::nullopt;
    }
    std::string_view const data(nats.natsMsg_GetData(received.message), size);
    return MessageView { data, subject, received.time_ns, headers_of(received.message) };
}

std::optional<MessageView> Subscriber::receive(Stop& stop, std::function<void()> const& on_idle)
{
    if (!m_loop)
        setup_loop(stop);
    release_held();
    while (true) {
        if (stop.count_reached())
            return std::nullopt;
        if (m_ready.empty())
            take_inbox();
        while (!m_ready.empty()) {
            auto const received = m_ready.front();
            m_ready.pop_front();
            if (auto message = accept(received))
                return message;
            release_held();
        }
        if (stop.done())
            return std::nullopt;
        on_idle(); // Nothing to hand out: flush output before blocking.
        m_loop->run_once(stop.deadline()); // The inbox's eventfd ends it for a message.
    }
}

std::unique_ptr<pubsub::Subscriber> open_subscriber(BackendOptions const& backend,
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options)
{
    if (!options.access.uids.empty() || !options.access.gids.empty())
        throw Error(Exit::Usage, "--allow-uid and --allow-group are for the local backend only",
            "on NATS, the server's accounts and permissions decide");
    return std::make_unique<Subscriber>(backend, patterns, options);
}

}
