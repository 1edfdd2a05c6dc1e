#include "ipc/nats/publisher.hpp"

#include "ipc/core/headers.hpp"
#include "ipc/core/parse.hpp"

#include "ipc/nats/pubsub.hpp"
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace ipc::nats {

namespace {

// One flush round trip at a time, so a signal or --timeout is seen between.
constexpr std::int64_t flush_step_ms = 500;
constexpr std::int64_t census_flush_ms = 10000;
// A census is sent again after this, doubling up to census_last.
constexpr auto census_first = std::chrono::milliseconds(100);
constexpr auto census_last = std::chrono::milliseconds(1000);

// Formats the error only when there is one: done for every message, an
// eager fmt::format cost ipc-pub a fifth of its instructions.
void check_publish(natsStatus status, std::string const& subject)
{
    if (status != NATS_OK)
        fail(status, fmt::format("publish to {}", subject));
}

}

Publisher::Publisher(
    BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop)
    : m_options(options)
    , m_stop(stop)
    , m_connection(backend)
    , m_max_payload(m_connection.max_payload())
{
    if (m_options.retain) // Before anything is published: no JetStream exits 69.
        m_bucket.emplace(m_connection, RetainedBucket::Open::OrCreate);
}

bool Publisher::publish(MessageView const& message)
{
    if (m_connection.has_events())
        m_connection.handle_events();
    auto const size = message.data.size() + message.headers.size();
    if (m_max_payload != 0 && size > m_max_payload)
        throw Error(Exit::Usage,
            fmt::format("{}: a message of {} bytes is larger than the NATS server takes ({} "
                        "bytes, its max_payload)",
                message.topic, size, m_max_payload));
    if (message.topic != m_subject)
        m_subject = message.topic;
    if (m_bucket)
        m_retained.insert_or_assign(m_subject, std::string(message.data));
    if (!message.headers.empty()) {
        publish_with_headers(message);
        return true;
    }
    check_publish(api().natsConnection_Publish(m_connection.get(), m_subject.c_str(),
                      message.data.data(), static_cast<int>(message.data.size())),
        m_subject);
    return true;
}

void Publisher::publish_with_headers(MessageView const& message)
{
    auto const& nats = api();
    natsMsg* raw = nullptr;
    check_publish(nats.natsMsg_Create(&raw, m_subject.c_str(), nullptr, message.data.data(),
                      static_cast<int>(message.data.size())),
        m_subject);
    std::unique_ptr<natsMsg, decltype(nats.natsMsg_Destroy)> const owned(raw, nats.natsMsg_Destroy);
    HeadersCursor cursor(message.headers);
    std::string key, value;
    while (auto const field = cursor.next()) {
        key = field->key; // NUL-terminated copies for cnats.
        value = field->value;
        if (value.empty()) // cnats 3.4.1 then fails to parse the headers it receives.
            throw Error(Exit::Usage,
                fmt::format("{}: header {} has an empty value, which NATS clients built on "
                            "cnats 3.4 cannot read",
                    m_subject, key),
                "leave the header out, or give it a value");
        if (auto const status = nats.natsMsgHeader_Add(raw, key.c_str(), value.c_str());
            status != NATS_OK)
            fail(status, fmt::format("publish to {}: header {}", m_subject, key));
    }
    check_publish(nats.natsConnection_PublishMsg(m_connection.get(), raw), m_subject);
}

// After the messages themselves: a subscriber that sees one live and then
// looks in the bucket finds it there, as it would locally.
void Publisher::store_retained()
{
    for (auto const& [topic, data] : m_retained)
        m_bucket->store(topic, data);
    m_retained.clear();
}

bool Publisher::flush()
{
    // cnats' own thread sends what is buffered; only events need us.
    if (m_connection.has_events())
        m_connection.handle_events();
    store_retained();
    return true;
}

bool Publisher::finish()
{
    auto const deadline = m_options.timeout
        ? std::optional<Deadline>(std::chrono::steady_clock::now() + *m_options.timeout)
        : std::nullopt;
    while (true) {
        auto const status = api().natsConnection_FlushTimeout(m_connection.get(), flush_step_ms);
        if (status == NATS_OK)
            break;
        if (status != NATS_TIMEOUT)
            fail(status, m_connection.url());
        m_connection.handle_events();
        m_stop.check_signal();
        if (m_stop.signal() != 0)
            return false;
        if (deadline && std::chrono::steady_clock::now() >= *deadline)
            throw Error(Exit::Timeout,
                fmt::format("{}: the NATS server did not take the messages within {}",
                    m_connection.url(), format_duration(*m_options.timeout)));
    }
    // A refusal (a permission violation) comes back before the round trip ends.
    m_connection.check_refused();
    store_retained();
    return true;
}

bool Publisher::wait_readable(int fd)
{
    if (!m_loop) { // Made on the first wait: one-shot publishers need none.
        m_loop.emplace(m_stop);
        m_loop->add(m_connection.event_fd(), EPOLLIN,
            [this](std::uint32_t) { m_connection.handle_events(); });
    }
    bool readable = false;
    m_loop->add(fd, EPOLLIN, [&readable](std::uint32_t) { readable = true; });
    auto const result = m_loop->run_until(std::nullopt, [&readable] { return readable; });
    m_loop->remove(fd);
    return result == io::Loop::Result::Ready;
}

bool Publisher::wait_for_subscribers(std::string const& topic, std::uint64_t count)
{
    auto const& nats = api();
    m_census = std::make_unique<CensusTally>();
    natsSubscription* answers = nullptr;
    natsSubscription* hellos = nullptr;
    {
        SignalBlock const block; // cnats starts a thread per subscription.
        check(nats.natsConnection_Subscribe(&answers, m_connection.get(), m_census->inbox().c_str(),
                  CensusTally::on_message, m_census.get()),
            "--wait-subs");
        check(nats.natsConnection_Subscribe(&hellos, m_connection.get(), hello_subject,
                  CensusTally::on_message, m_census.get()),
            "--wait-subs");
    }
    auto const done = [&] {
        nats.natsSubscription_Unsubscribe(answers);
        nats.natsSubscription_Unsubscribe(hellos);
    };
    check(nats.natsConnection_FlushTimeout(m_connection.get(), census_flush_ms), "--wait-subs");
    io::Loop loop(m_stop);
    loop.add(
        m_connection.event_fd(), EPOLLIN, [this](std::uint32_t) { m_connection.handle_events(); });
    bool hello = false;
    loop.add(m_census->event_fd(), EPOLLIN,
        [&](std::uint32_t) { hello = m_census->take_hello() || hello; });
    auto const start = std::chrono::steady_clock::now();
    auto const deadline
        = m_options.timeout ? std::optional<Deadline>(start + *m_options.timeout) : std::nullopt;
    auto interval = census_first;
    auto next = start;
    while (true) {
        auto const now = std::chrono::steady_clock::now();
        if (now >= next || std::exchange(hello, false)) {
            check(nats.natsConnection_PublishRequest(m_connection.get(), census_subject,
                      m_census->inbox().c_str(), topic.data(), static_cast<int>(topic.size())),
                "--wait-subs");
            next = now + interval;
            interval = std::min(interval * 2, census_last);
        }
        auto const live = m_census->answers();
        if (live >= count) {
            done();
            return true;
        }
        if (deadline && now >= *deadline) {
            done();
            throw Error(Exit::Timeout,
                fmt::format("{}: {} of {} subscribers after {}", topic.empty() ? "*" : topic, live,
                    count, format_duration(*m_options.timeout)));
        }
        if (loop.run_once(deadline ? std::min(next, *deadline) : next)
            == io::Loop::Result::Stopped) {
            done();
            return false;
        }
    }
}

std::unique_ptr<pubsub::Publisher> open_publisher(
    BackendOptions const& backend, pubsub::PublishOptions const& options, Stop& stop)
{
    return std::make_unique<Publisher>(backend, options, stop);
}

}
