// Opening a queue's stream, push and leases (stream_queue.hpp); the
// admin half is stream_admin.cpp.

#include "ipc/nats/stream_queue.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/core/time.hpp"
#include "ipc/nats/names.hpp"

#include <algorithm>
#include <climits>
#include <fmt/format.h>
#include <ranges>
#include <sys/eventfd.h>
#include <thread>

namespace ipc::nats {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto consumer = "ipc";
// The consumer's AckWait until a pop or work sets its --lease.
constexpr auto first_ack_wait = std::chrono::minutes(5);
// A Fetch with NoWait and an Expires returns at once when items are
// there; on an empty queue nats-server 2.9 answers only at Expires.
constexpr auto fetch_expires = 200ms;
// Items are there, but the server was slower than that: once more, longer.
constexpr auto slow_fetch_expires = 5s;
constexpr int max_fetch = 10'000;
constexpr std::int64_t wait_ms = 5000; // For a flush and an AckSync.
// A NakWithDelay'd item is back a little after its delay.
constexpr auto due_slack = 100ms;

// A header value carries no line breaks: '\\' and '\n' are escaped.
std::string escape(std::string_view text)
{
    std::string out;
    for (char const c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out;
}

// The Waiter: a core subscription on the live subject, whose every
// message (a push) writes the eventfd.
class Waiter final : public queue::Waiter {
public:
    Waiter(Connection& connection, std::string const& subject, Fd const& fd)
        : m_connection(connection)
        , m_fd(fd)
    {
        SignalBlock const block; // An async subscription starts a thread.
        check(api().natsConnection_Subscribe(&m_subscription, connection.get(), subject.c_str(),
                  on_message, const_cast<Fd*>(&fd)),
            fmt::format("subscribe to {}", subject));
        // The subscription is in place before the first look at the queue.
        check(api().natsConnection_FlushTimeout(connection.get(), wait_ms), connection.url());
    }
    ~Waiter() override
    {
        api().natsSubscription_Unsubscribe(m_subscription);
        m_connection.destroy_later(m_subscription);
    }
    Waiter(Waiter const&) = delete;
    Waiter& operator=(Waiter const&) = delete;

    int fd() const override { return m_fd.get(); }
    void rearm() noexcept override
    {
        std::uint64_t count = 0;
        (void)!::read(m_fd.get(), &count, sizeof(count));
    }

private:
    static void on_message(natsConnection*, natsSubscription*, natsMsg* message, void* closure)
    {
        api().natsMsg_Destroy(message);
        std::uint64_t const one = 1;
        (void)!::write(static_cast<Fd*>(closure)->get(), &one, sizeof(one));
    }

    Connection& m_connection;
    Fd const& m_fd;
    natsSubscription* m_subscription = nullptr;
};

}

StreamQueue::StreamQueue(BackendOptions const& backend, std::string name, queue::Missing missing)
    : m_name(std::move(name))
    , m_stream(stream_name(m_name))
    , m_live(live_subject(m_name))
    , m_dead(dead_subject(m_name))
    , m_acks(std::make_unique<Acks>())
    , m_js(backend, on_ack, m_acks.get())
{
    // The first request starts cnats' thread for the replies: it must not
    // take SIGINT or SIGTERM (see SignalBlock).
    SignalBlock const block;
    if (auto const info = m_js.stream_info(m_stream)) {
        m_duplicates = from_nanoseconds(info->Config->Duplicates);
        return;
    }
    if (missing == queue::Missing::Fail)
        throw queue::NoSuchQueue(m_name);
    create_stream();
}

StreamQueue::~StreamQueue()
{
    rollback();
    for (auto& [id, leased] : m_leased)
        api().natsMsg_Destroy(leased.message); // Back when their lease runs out.
    if (m_pull) {
        api().natsSubscription_Unsubscribe(m_pull);
        m_js.connection().destroy_later(m_pull);
    }
    std::lock_guard lock(m_acks->mutex);
    for (auto* message : m_acks->failed)
        api().natsMsg_Destroy(message);
    m_acks->failed.clear();
}

void StreamQueue::create_stream()
{
    auto const& nats = api();
    jsStreamConfig config;
    nats.jsStreamConfig_Init(&config);
    config.Name = m_stream.c_str();
    char const* subjects[] = { m_live.c_str(), m_dead.c_str() };
    config.Subjects = subjects;
    config.SubjectsLen = 2;
    config.Retention = js_WorkQueuePolicy;
    config.Storage = js_FileStorage;
    config.AllowDirect = true;
    config.Duplicates = nanoseconds(queue::default_dedup_window);
    config.Replicas = m_js.known_servers() >= 3 ? 3 : 1;
    jsErrCode code {};
    auto const status = nats.js_AddStream(nullptr, m_js.get(), &config, nullptr, &code);
    if (code != JSStreamNameExistErr) // Another process created it first.
        check_js(status, code, fmt::format("{}: create stream {}", m_name, m_stream));
    m_duplicates = queue::default_dedup_window;
    // The consumer now, so that stat counts what waits before a first pop.
    jsConsumerConfig consumer_config;
    nats.jsConsumerConfig_Init(&consumer_config);
    consumer_config.Durable = consumer;
    consumer_config.AckPolicy = js_AckExplicit;
    consumer_config.AckWait = nanoseconds(first_ack_wait);
    consumer_config.MaxDeliver = -1; // Attempts are counted by the worker (--max-attempts).
    consumer_config.MaxAckPending = 1'000'000;
    consumer_config.FilterSubject = m_live.c_str();
    auto const added = nats.js_AddConsumer(
        nullptr, m_js.get(), m_stream.c_str(), &consumer_config, nullptr, &code);
    if (code != JSConsumerNameExistErr && code != JSConsumerExistingActiveErr)
        check_js(added, code, fmt::format("{}: create consumer {}", m_name, consumer));
}

std::unique_ptr<queue::Waiter> StreamQueue::waiter()
{
    auto fd = std::make_unique<Fd>(
        sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for a queue waiter"));
    auto waiter = std::make_unique<Waiter>(m_js.connection(), m_live, *fd);
    m_waiter_fds.push_back(std::move(fd));
    return waiter;
}

Owned<jsConsumerInfo> StreamQueue::consumer_info()
{
    jsConsumerInfo* info = nullptr;
    jsErrCode code {};
    auto const status
        = api().js_GetConsumerInfo(&info, m_js.get(), m_stream.c_str(), consumer, nullptr, &code);
    if (not_found(status, code))
        return nullptr;
    check_js(status, code, fmt::format("{}: consumer {}", m_name, consumer));
    return Owned<jsConsumerInfo>(info);
}

// The consumer's counts, or null when it does not answer (a cluster electing
// a leader, say): the caller then fetches, which finds out.
Owned<jsConsumerInfo> StreamQueue::counts()
{
    try {
        return consumer_info();
    } catch (Error const&) {
        return nullptr;
    }
}

// Binds the pull subscription, first making the consumer's AckWait lease:
// one AckWait for every consumer of the queue, so a change says so when
// items are leased meanwhile.
void StreamQueue::subscribe(Duration lease)
{
    if (m_pull && lease == m_ack_wait)
        return;
    auto const& nats = api();
    auto info = consumer_info();
    if (!info) {
        create_stream(); // Its consumer went (deleted by hand): made again.
        info = consumer_info();
        if (!info)
            throw Error(
                Exit::Unavailable, fmt::format("{}: consumer {} is missing", m_name, consumer));
    }
    auto const current = from_nanoseconds(info->Config->AckWait);
    if (current != lease) {
        info->Config->AckWait = nanoseconds(lease);
        jsErrCode code {};
        check_js(nats.js_UpdateConsumer(
                     nullptr, m_js.get(), m_stream.c_str(), info->Config, nullptr, &code),
            code, fmt::format("{}: --lease", m_name));
        if (info->NumAckPending > 0) // Items leased now: their consumers are told nothing.
            warn("{}: the lease is now {} for every consumer of the queue (it was {})", m_name,
                format_duration(lease), format_duration(current));
    }
    m_ack_wait = lease;
    if (m_pull)
        return;
    jsSubOptions options;
    nats.jsSubOptions_Init(&options);
    options.Stream = m_stream.c_str();
    options.Consumer = consumer;
    jsErrCode code {};
    SignalBlock const block;
    check_js(nats.js_PullSubscribe(
                 &m_pull, m_js.get(), m_live.c_str(), consumer, nullptr, &options, &code),
        code, fmt::format("{}: consumer {}", m_name, consumer));
}

void StreamQueue::fetch(natsMsgList& list, std::size_t max, Duration expires)
{
    auto const& nats = api();
    nats.natsMsgList_Destroy(&list);
    list = {};
    jsFetchRequest request;
    nats.jsFetchRequest_Init(&request);
    request.Batch = static_cast<int>(std::min<std::size_t>(max, max_fetch));
    request.NoWait = true;
    request.Expires = nanoseconds(expires);
    auto const status = nats.natsSubscription_FetchRequest(&list, m_pull, &request);
    if (status != NATS_OK && status != NATS_TIMEOUT && status != NATS_NOT_FOUND)
        check(status, fmt::format("{}: fetch", m_name));
}

std::vector<queue::Item> StreamQueue::lease(std::size_t max, Duration lease)
{
    auto const& nats = api();
    if (m_js.connection().has_events())
        m_js.connection().handle_events();
    if (max == 0)
        return {};
    subscribe(lease);
    // A fetch on an empty queue waits its whole Expires (fetch_expires), so
    // the consumer is asked first: nothing undelivered and nothing leased
    // (to come back) means nothing to fetch, for one round trip.
    if (auto const info = counts(); info && info->NumPending == 0 && info->NumAckPending == 0)
        return {};
    natsMsgList list {};
    fetch(list, max, fetch_expires);
    if (list.Count == 0) {
        // Empty, or the server was slower than fetch_expires: it says which.
        if (auto const info = counts(); info && info->NumPending > 0)
            fetch(list, max, slow_fetch_expires);
    }
    std::vector<queue::Item> items;
    auto const token = ++m_tokens;
    for (int i = 0; i < list.Count; ++i) {
        auto* message = std::exchange(list.Msgs[i], nullptr);
        jsMsgMetaData* raw = nullptr;
        if (nats.natsMsg_GetMetaData(&raw, message) != NATS_OK) {
            nats.natsMsg_Destroy(message); // Not a JetStream message: back at AckWait.
            continue;
        }
        Owned<jsMsgMetaData> const meta(raw);
        auto& item = items.emplace_back();
        item.id = static_cast<queue::Id>(meta->Sequence.Stream);
        item.data.assign(nats.natsMsg_GetData(message),
            static_cast<std::size_t>(nats.natsMsg_GetDataLength(message)));
        item.enqueued_ns = meta->Timestamp;
        item.attempts = static_cast<std::int64_t>(meta->NumDelivered);
        item.lease = token;
        auto& slot = m_leased[item.id];
        if (slot.message)
            nats.natsMsg_Destroy(slot.message); // Its lease ran out: ours again.
        slot = { message, token };
    }
    nats.natsMsgList_Destroy(&list);
    return items;
}

natsMsg* StreamQueue::leased(queue::Item const& item)
{
    auto const it = m_leased.find(item.id);
    return it != m_leased.end() && it->second.token == item.lease ? it->second.message : nullptr;
}

void StreamQueue::forget(queue::Item const& item)
{
    auto const it = m_leased.find(item.id);
    api().natsMsg_Destroy(it->second.message);
    m_leased.erase(it);
}

void StreamQueue::flush()
{
    check(api().natsConnection_FlushTimeout(m_js.connection().get(), wait_ms),
        m_js.connection().url());
}

std::uint64_t StreamQueue::extend(std::span<queue::Item const> items, Duration lease)
{
    std::uint64_t count = 0;
    for (auto const& item : items) {
        if (auto* message = leased(item)) {
            // InProgress restarts AckWait, which is our lease (subscribe()).
            check(api().natsMsg_InProgress(message, nullptr), fmt::format("{}: extend", m_name));
            ++count;
        }
    }
    (void)lease;
    return count;
}

std::uint64_t StreamQueue::ack(std::span<queue::Item const> items)
{
    std::uint64_t count = 0;
    for (auto const& item : items) {
        if (auto* message = leased(item)) {
            check(api().natsMsg_Ack(message, nullptr), fmt::format("{}: ack", m_name));
            forget(item);
            ++count;
        }
    }
    if (count != 0)
        flush();
    return count;
}

std::uint64_t StreamQueue::release(
    std::span<queue::Item const> items, std::string_view error, Duration backoff, queue::Fate fate)
{
    std::uint64_t count = 0;
    for (auto const& item : items) {
        auto* message = leased(item);
        if (!message)
            continue;
        if (fate == queue::Fate::Dead) {
            bury(item, message, error);
        } else {
            check(api().natsMsg_NakWithDelay(
                      message, backoff > Duration::zero() ? milliseconds(backoff) : 0, nullptr),
                fmt::format("{}: release", m_name));
            if (backoff > Duration::zero()) {
                auto const due = Clock::now() + backoff + due_slack;
                m_due = m_due ? std::min(*m_due, due) : due;
            }
        }
        forget(item);
        ++count;
    }
    if (count != 0)
        flush();
    return count;
}

// A copy on the dead subject, with what the item was, then the item acked.
void StreamQueue::bury(queue::Item const& item, natsMsg* message, std::string_view error)
{
    auto const& nats = api();
    natsMsg* raw = nullptr;
    check(nats.natsMsg_Create(
              &raw, m_dead.c_str(), nullptr, item.data.data(), static_cast<int>(item.data.size())),
        fmt::format("{}: dead list", m_name));
    Owned<natsMsg> const copy(raw);
    auto const escaped = escape(error);
    auto const attempts = std::to_string(item.attempts);
    auto const enqueued = std::to_string(item.enqueued_ns);
    check(nats.natsMsgHeader_Add(raw, "Ipc-Error", escaped.empty() ? "-" : escaped.c_str()),
        "Ipc-Error");
    check(nats.natsMsgHeader_Add(raw, "Ipc-Attempts", attempts.c_str()), "Ipc-Attempts");
    check(nats.natsMsgHeader_Add(raw, "Ipc-Enqueued", enqueued.c_str()), "Ipc-Enqueued");
    jsPubAck* ack = nullptr;
    jsErrCode code {};
    check_js(nats.js_PublishMsg(&ack, m_js.get(), raw, nullptr, &code), code,
        fmt::format("{}: dead list", m_name));
    nats.jsPubAck_Destroy(ack);
    check_js(nats.natsMsg_AckSync(message, nullptr, &code), code,
        fmt::format("{}: item {}", m_name, item.id));
}

std::optional<Duration> StreamQueue::next_due()
{
    if (!m_due)
        return std::nullopt;
    auto const now = Clock::now();
    if (*m_due <= now) {
        m_due.reset(); // Back by now; a later one shows through the fallback timer.
        return std::nullopt;
    }
    return std::chrono::duration_cast<Duration>(*m_due - now);
}

}
