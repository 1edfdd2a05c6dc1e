#include "ipc/nats/subscriber.hpp"

#include "ipc/core/headers.hpp"
#include "ipc/core/limits.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/core/time.hpp"
#include "ipc/names/name.hpp"
#include "ipc/nats/pubsub.hpp"
#include "ipc/nats/retained.hpp"
#include "ipc/nats/usage.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <iterator>

namespace ipc::nats {

namespace {

// Our list between cnats' thread and ours; cnats keeps the rest.
constexpr Inbox::Limits inbox_limits { .bytes = 4 * 1024 * 1024, .messages = 16384 };
// Subscriptions are confirmed by a flush round trip before receiving.
constexpr std::int64_t subscribe_flush_ms = 10000;

constexpr std::string_view internal_prefix = "_IPC";

}

Subscriber::Subscriber(BackendOptions const& backend, std::vector<Pattern> const& patterns,
    pubsub::SubscribeOptions const& options)
    : m_options(options)
    , m_connection(backend)
    , m_inbox(m_connection, inbox_limits)
{
    if (m_options.max_size == 0)
        m_options.max_size = default_max_size;
    // Not a catch site of the kind STYLE section 6 means: it only ends the
    // subscriptions made so far as the destructor would (which does not run
    // for a half-made object), before the error goes on.
    try {
        for (auto const& pattern : without_covered(patterns))
            subscribe(pattern);
        // Once the server has our subscriptions, a publisher started after
        // us reaches us; a refusal (a permission violation) is back by then.
        check(api().natsConnection_FlushTimeout(m_connection.get(), subscribe_flush_ms),
            fmt::format("{}: subscribe", m_connection.url()));
        m_connection.check_refused();
        // A group shares live messages only, as locally: each member
        // printing the retained one would break "exactly one".
        if (m_options.retained && m_options.group.empty())
            load_retained(patterns);
        answer_census(patterns);
    } catch (...) {
        close();
        throw;
    }
}

// After subscribing, so that nothing published in between is missed (it
// may show twice, as locally). No JetStream or no bucket: none, silently.
void Subscriber::load_retained(std::vector<Pattern> const& patterns)
{
    RetainedBucket bucket(m_connection, RetainedBucket::Open::IfThere);
    for (auto& message : bucket.load(patterns)) {
        if (message.data.size() > m_options.max_size)
            warn("{}: a retained message of {} bytes was skipped: longer than --max-size ({} "
                 "bytes)",
                message.topic, message.data.size(), m_options.max_size);
        else
            m_retained.push_back(std::move(message));
    }
}

// Only now, with our subscriptions in place, may a publisher count us.
void Subscriber::answer_census(std::vector<Pattern> const& patterns)
{
    auto const& nats = api();
    m_census->connection = m_connection.get();
    m_census->patterns = patterns;
    m_census->answer = encode_census_answer(m_census->id, patterns, m_options.group, now_ns());
    natsSubscription* subscription = nullptr;
    {
        SignalBlock const block;
        check(nats.natsConnection_Subscribe(&subscription, m_connection.get(), census_subject,
                  CensusAnswer::on_request, m_census.get()),
            "census");
    }
    m_inbox.adopt(subscription);
    check(nats.natsConnection_FlushTimeout(m_connection.get(), subscribe_flush_ms), "census");
    check(nats.natsConnection_Publish(m_connection.get(), hello_subject, m_census->id.data(),
              static_cast<int>(m_census->id.size())),
        "census");
}

void Subscriber::subscribe(Pattern const& pattern)
{
    m_subscriptions.push_back({ m_inbox.subscribe(pattern.text(), m_options.group), pattern.text(),
        std::string_view(pattern.text()).starts_with(internal_prefix) });
}

Subscriber::~Subscriber()
{
    close();
}

void Subscriber::close() noexcept
{
    for (auto& subscription : m_subscriptions)
        report_drops(subscription, true);
    m_subscriptions.clear();
    m_ready.clear();
    m_held.reset();
    if (!m_inbox.close()) // A callback may still run: leave it what it points to.
        (void)m_census.release();
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
            subscription.pattern, dropped, subscription_pending_bytes / (1024 * 1024));
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
    m_loop->add(m_inbox.event_fd(), EPOLLIN, [this](std::uint32_t) { take_inbox(); });
    stop.watch_output_in(*m_loop);
}

void Subscriber::take_inbox()
{
    auto taken = m_inbox.take();
    if (m_ready.empty())
        m_ready.swap(taken);
    else
        std::move(taken.begin(), taken.end(), std::back_inserter(m_ready));
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

std::optional<MessageView> Subscriber::accept(Inbox::Received& received)
{
    auto const& nats = api();
    m_held = std::move(received.message);
    auto* message = m_held.get();
    std::string_view const subject = nats.natsMsg_GetSubject(message);
    auto const* subscription = find(received.subscription);
    if (subject.starts_with("_IPC.") && !(subscription && subscription->shows_internal))
        return std::nullopt; // Our own traffic (census, queues), unless asked for.
    if (subject.starts_with('$'))
        return std::nullopt; // The server's own ($JS, $KV, $SYS): a '>' sees them, no name is one.
    if (subject != m_valid_subject) { // Checked once per run of a subject, not per message.
        if (!is_valid_name(subject)) {
            warn("a message on {} was skipped: not a valid topic name", printable(subject));
            return std::nullopt;
        }
        m_valid_subject = subject;
    }
    auto const size = static_cast<std::size_t>(nats.natsMsg_GetDataLength(message));
    if (size > m_options.max_size) {
        warn("{}: a message of {} bytes was skipped: longer than --max-size ({} bytes)", subject,
            size, m_options.max_size);
        return std::nullopt;
    }
    std::string_view const data(nats.natsMsg_GetData(message), size);
    return MessageView { data, subject, received.time_ns, headers_of(message) };
}

std::optional<MessageView> Subscriber::receive(Stop& stop, std::function<void()> const& on_idle)
{
    if (!m_loop)
        setup_loop(stop);
    m_held.reset();
    if (!m_retained.empty() && !stop.count_reached()) {
        m_retained_held = std::move(m_retained.front());
        m_retained.pop_front();
        return m_retained_held.view();
    }
    while (true) {
        if (stop.count_reached())
            return std::nullopt;
        if (m_ready.empty())
            take_inbox();
        while (!m_ready.empty()) {
            auto received = std::move(m_ready.front());
            m_ready.pop_front();
            if (auto message = accept(received))
                return message;
            m_held.reset();
        }
        if (stop.done())
            return std::nullopt;
        on_idle(); // Nothing to hand out: flush output before blocking.
        stop.refresh_output_in(*m_loop);
        m_loop->run_once(stop.deadline()); // The inbox's eventfd ends it for a message.
    }
}

std::unique_ptr<pubsub::Subscriber> open_subscriber(BackendOptions const& backend,
    std::vector<Pattern> const& patterns, pubsub::SubscribeOptions const& options)
{
    check_usage(options);
    return std::make_unique<Subscriber>(backend, patterns, options);
}

}
