// Looking at a queue's stream and tidying it up (peek, dead, retry, purge,
// stat), and the backend's entry points (queue.hpp).

#include "ipc/nats/queue.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/parse.hpp"

#include "ipc/nats/names.hpp"
#include "ipc/nats/stream_queue.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace ipc::nats {

namespace {

std::string unescape(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        char const next = text[++i];
        out += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    }
    return out;
}

std::string header(natsMsg* message, char const* key)
{
    char const* value = nullptr;
    if (api().natsMsgHeader_Get(message, key, &value) != NATS_OK || !value)
        return {};
    return value;
}

std::int64_t number(std::string const& text)
{
    auto const value = parse_integer(text, 0, INT64_MAX);
    return value ? *value : 0;
}

}

// Up to max items of subject from stream sequence from on, by DirectGet.
std::vector<queue::Item> StreamQueue::direct(
    std::string const& subject, std::uint64_t from, std::size_t max)
{
    auto const& nats = api();
    std::vector<queue::Item> items;
    bool const dead = subject == m_dead;
    while (items.size() < max) {
        jsDirectGetMsgOptions options;
        nats.jsDirectGetMsgOptions_Init(&options);
        options.Sequence = std::max<std::uint64_t>(from, 1);
        options.NextBySubject = subject.c_str();
        natsMsg* raw = nullptr;
        auto const status
            = nats.js_DirectGetMsg(&raw, m_js.get(), m_stream.c_str(), nullptr, &options);
        if (status == NATS_NOT_FOUND)
            break;
        check_js(status, {}, fmt::format("{}: read", m_name));
        Owned<natsMsg> const message(raw);
        auto& item = items.emplace_back();
        item.id = static_cast<queue::Id>(nats.natsMsg_GetSequence(raw));
        item.data.assign(
            nats.natsMsg_GetData(raw), static_cast<std::size_t>(nats.natsMsg_GetDataLength(raw)));
        item.enqueued_ns = nats.natsMsg_GetTime(raw);
        if (dead) {
            auto const error = header(raw, "Ipc-Error");
            item.error = error == "-" ? "" : unescape(error);
            item.attempts = number(header(raw, "Ipc-Attempts"));
            if (auto const enqueued = number(header(raw, "Ipc-Enqueued")); enqueued != 0)
                item.enqueued_ns = enqueued;
        }
        from = static_cast<std::uint64_t>(item.id) + 1;
    }
    return items;
}

std::vector<queue::Item> StreamQueue::peek(std::size_t max)
{
    // The items not delivered yet; leased and released ones are before them.
    auto const info = consumer_info();
    return direct(m_live, info ? info->Delivered.Stream + 1 : 1, max);
}

std::vector<queue::Item> StreamQueue::dead(std::size_t max)
{
    return direct(m_dead, 1, max);
}

std::uint64_t StreamQueue::retry(std::span<queue::Id const> ids)
{
    auto const& nats = api();
    std::vector<queue::Id> chosen(ids.begin(), ids.end());
    if (chosen.empty())
        for (auto const& item : dead(SIZE_MAX))
            chosen.push_back(item.id);
    std::uint64_t count = 0;
    for (auto const id : chosen) {
        natsMsg* raw = nullptr;
        jsErrCode code {};
        auto const status = nats.js_GetMsg(
            &raw, m_js.get(), m_stream.c_str(), static_cast<std::uint64_t>(id), nullptr, &code);
        if (not_found(status, code))
            continue;
        check_js(status, code, fmt::format("{}: item {}", m_name, id));
        Owned<natsMsg> const message(raw);
        if (m_dead != nats.natsMsg_GetSubject(raw))
            continue; // Not on the dead list.
        check_js(nats.js_Publish(nullptr, m_js.get(), m_live.c_str(), nats.natsMsg_GetData(raw),
                     nats.natsMsg_GetDataLength(raw), nullptr, &code),
            code, fmt::format("{}: retry", m_name));
        check_js(nats.js_DeleteMsg(
                     m_js.get(), m_stream.c_str(), static_cast<std::uint64_t>(id), nullptr, &code),
            code, fmt::format("{}: item {}", m_name, id));
        ++count;
    }
    return count;
}

std::uint64_t StreamQueue::purge()
{
    auto const info = m_js.stream_info(m_stream);
    if (!info)
        throw queue::NoSuchQueue(m_name);
    jsErrCode code {};
    check_js(api().js_PurgeStream(m_js.get(), m_stream.c_str(), nullptr, &code), code,
        fmt::format("{}: purge", m_name));
    return info->State.Msgs;
}

bool StreamQueue::exists(std::uint64_t sequence)
{
    natsMsg* raw = nullptr;
    jsErrCode code {};
    auto const status
        = api().js_GetMsg(&raw, m_js.get(), m_stream.c_str(), sequence, nullptr, &code);
    Owned<natsMsg> const message(raw);
    return !not_found(status, code);
}

std::uint64_t StreamQueue::drop(std::span<queue::Id const> ids)
{
    std::uint64_t count = 0;
    for (auto const id : ids) {
        jsErrCode code {};
        auto const sequence = static_cast<std::uint64_t>(id);
        auto const status
            = api().js_DeleteMsg(m_js.get(), m_stream.c_str(), sequence, nullptr, &code);
        // Past the last sequence the server says "stream store EOF", not "no message found".
        if (not_found(status, code) || (status != NATS_OK && !exists(sequence)))
            continue;
        check_js(status, code, fmt::format("{}: item {}", m_name, id));
        ++count;
    }
    return count;
}

std::vector<queue::Item> StreamQueue::waiting(queue::Waiting which, std::size_t)
{
    // A pull consumer's pending acks and NAK delays stay inside the server.
    throw Error(Exit::Usage,
        fmt::format("{}: peek --{} is for the local backend only", m_name,
            which == queue::Waiting::Leased ? "leased" : "delayed"),
        "JetStream does not list them; 'ipc-queue stat' counts them");
}

queue::Stats StreamQueue::stats()
{
    queue::Stats stats;
    stats.rates = false;
    auto const info = m_js.stream_info(m_stream, m_dead.c_str());
    if (!info)
        throw queue::NoSuchQueue(m_name);
    if (auto const* subjects = info->State.Subjects)
        for (int i = 0; i < subjects->Count; ++i)
            if (m_dead == subjects->List[i].Subject)
                stats.dead = subjects->List[i].Msgs;
    if (auto const consumer = consumer_info()) {
        stats.ready = consumer->NumPending;
        stats.leased
            = static_cast<std::uint64_t>(std::max<std::int64_t>(consumer->NumAckPending, 0));
    } else {
        stats.ready = info->State.Msgs - stats.dead;
    }
    if (auto const oldest = direct(m_live, 1, 1); !oldest.empty()) {
        auto const now = std::chrono::system_clock::now().time_since_epoch();
        stats.oldest_age = std::max(Duration::zero(),
            std::chrono::duration_cast<Duration>(
                now - std::chrono::nanoseconds(oldest[0].enqueued_ns)));
    }
    stats.replicas = static_cast<std::uint64_t>(info->Config->Replicas);
    if (info->Cluster && info->Cluster->Leader)
        stats.leader = info->Cluster->Leader;
    return stats;
}

std::unique_ptr<queue::Queue> open_queue(BackendOptions const& backend, std::string const& name,
    queue::Missing missing, queue::Sync sync)
{
    if (sync == queue::Sync::Full)
        throw Error(Exit::Usage, "--sync full is for the local backend only",
            "on NATS, a stream's replicas keep items safe: a cluster of 3 keeps 3 copies");
    return std::make_unique<StreamQueue>(backend, name, missing);
}

std::vector<std::string> queue_names(BackendOptions const& backend)
{
    auto const& nats = api();
    JetStream js(backend);
    SignalBlock const block; // The first request starts a thread.
    jsStreamNamesList* list = nullptr;
    jsErrCode code {};
    auto const status = nats.js_StreamNames(&list, js.get(), nullptr, &code);
    std::vector<std::string> names;
    if (not_found(status, code))
        return names; // No stream at all.
    check_js(status, code, "list streams");
    for (int i = 0; i < list->Count; ++i)
        if (auto name = queue_of_stream(list->List[i]))
            names.push_back(std::move(*name));
    nats.jsStreamNamesList_Destroy(list);
    std::sort(names.begin(), names.end());
    return names;
}

void remove_queue(BackendOptions const& backend, std::string const& name)
{
    JetStream js(backend);
    SignalBlock const block; // The first request starts a thread.
    jsErrCode code {};
    auto const status = api().js_DeleteStream(js.get(), stream_name(name).c_str(), nullptr, &code);
    if (not_found(status, code))
        throw queue::NoSuchQueue(name);
    check_js(status, code, fmt::format("{}: remove", name));
}

}
