#include "ipc/nats/retained.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/log.hpp"
#include "ipc/names/name.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace ipc::nats {

namespace {

// How long a subscriber waits for the bucket's values, all patterns together.
constexpr auto load_wait = std::chrono::seconds(10);

constexpr std::string_view internal_prefix = "_IPC";

// A JetStream request on a server without JetStream gets no responders; one
// the user may not make times out.
[[noreturn]] void fail_bucket(natsStatus status, Connection const& connection)
{
    if (auto const refusal = connection.jetstream_refusal(); !refusal.empty())
        fail(NATS_NOT_PERMITTED, fmt::format("{}: --retain", connection.url()), refusal);
    if (status == NATS_NO_RESPONDERS)
        throw Error(Exit::Unavailable,
            fmt::format("{}: --retain needs JetStream, which the NATS server does not have",
                connection.url()),
            "start nats-server with -js, or publish without --retain");
    fail(status, fmt::format("{}: bucket {}", connection.url(), retained_bucket));
}

}

RetainedBucket::RetainedBucket(Connection& connection, Open how)
{
    auto const& nats = api();
    SignalBlock const block; // JetStream requests may start cnats' threads.
    check(nats.natsConnection_JetStream(&m_js, connection.get(), nullptr), "JetStream");
    auto status = nats.js_KeyValue(&m_store, m_js, retained_bucket);
    if (how == Open::IfThere
        && (status == NATS_NOT_FOUND || status == NATS_NO_RESPONDERS
            || !connection.jetstream_refusal().empty()))
        return; // Nothing retained, no JetStream, or not for this user: nothing to show.
    if (how == Open::IfThere && status != NATS_OK) {
        // JetStream there but not answering (a cluster electing a new
        // leader, say): the live messages matter more than the retained ones.
        warn("{}: retained messages left out: bucket {}: {}", connection.url(), retained_bucket,
            nats.natsStatus_GetText(status));
        return;
    }
    if (status == NATS_NOT_FOUND) {
        kvConfig config;
        nats.kvConfig_Init(&config);
        config.Bucket = retained_bucket;
        config.History = 1;
        // Two publishers creating it at once is no error: the same
        // configuration is accepted twice.
        status = nats.js_CreateKeyValue(&m_store, m_js, &config);
    }
    if (status != NATS_OK) {
        nats.jsCtx_Destroy(m_js);
        fail_bucket(status, connection);
    }
}

RetainedBucket::~RetainedBucket()
{
    auto const& nats = api();
    if (m_store)
        nats.kvStore_Destroy(m_store);
    nats.jsCtx_Destroy(m_js);
}

void RetainedBucket::store(std::string const& topic, std::string_view data)
{
    auto const& nats = api();
    SignalBlock const block;
    auto const status = data.empty() ? nats.kvStore_Delete(m_store, topic.c_str())
                                     : nats.kvStore_Put(nullptr, m_store, topic.c_str(),
                                         data.data(), static_cast<int>(data.size()));
    if (status != NATS_OK)
        fail(status, fmt::format("{}: retain in bucket {}", topic, retained_bucket));
}

std::vector<Message> RetainedBucket::load(std::vector<Pattern> const& patterns)
{
    std::map<std::string, Message> by_topic; // A topic two patterns match shows once.
    auto const deadline = std::chrono::steady_clock::now() + load_wait;
    if (m_store)
        for (auto const& pattern : without_covered(patterns))
            load_pattern(pattern, deadline, by_topic);
    std::vector<Message> messages;
    for (auto& [topic, message] : by_topic)
        messages.push_back(std::move(message));
    std::stable_sort(messages.begin(), messages.end(),
        [](Message const& a, Message const& b) { return a.time_ns < b.time_ns; });
    return messages;
}

void RetainedBucket::load_pattern(
    Pattern const& pattern, Deadline deadline, std::map<std::string, Message>& messages)
{
    auto const& nats = api();
    kvWatchOptions options;
    nats.kvWatchOptions_Init(&options);
    options.IgnoreDeletes = true;
    kvWatcher* watcher = nullptr;
    {
        SignalBlock const block;
        if (auto const status
            = nats.kvStore_Watch(&watcher, m_store, pattern.text().c_str(), &options);
            status != NATS_OK) {
            warn("{}: retained messages left out: {}", pattern.text(),
                nats.natsStatus_GetText(status));
            return;
        }
    }
    std::unique_ptr<kvWatcher, decltype(nats.kvWatcher_Destroy)> const owned(
        watcher, nats.kvWatcher_Destroy);
    bool const shows_internal = std::string_view(pattern.text()).starts_with(internal_prefix);
    while (true) {
        kvEntry* entry = nullptr;
        auto const wait = std::max(1, ms_until(deadline));
        if (auto const status = nats.kvWatcher_Next(&entry, watcher, wait); status != NATS_OK) {
            warn("{}: retained messages left out: {}", pattern.text(),
                status == NATS_TIMEOUT ? "the NATS server did not send them all within 10s"
                                       : nats.natsStatus_GetText(status));
            return;
        }
        if (!entry)
            return; // The marker: every current value came.
        std::unique_ptr<kvEntry, decltype(nats.kvEntry_Destroy)> const owned_entry(
            entry, nats.kvEntry_Destroy);
        std::string topic = nats.kvEntry_Key(entry);
        if (!is_valid_name(topic) || (topic.starts_with("_IPC.") && !shows_internal))
            continue; // Not one of ours to show, as for live messages.
        auto const* data = static_cast<char const*>(nats.kvEntry_Value(entry));
        std::string value(data ? data : "", static_cast<std::size_t>(nats.kvEntry_ValueLen(entry)));
        messages.insert_or_assign(
            topic, Message { std::move(value), topic, nats.kvEntry_Created(entry) });
    }
}

}
