// push on a queue's stream (stream_queue.hpp): add() buffers, commit()
// publishes the batch asynchronously and waits for every PubAck.

#include "ipc/nats/stream_queue.hpp"

#include "ipc/core/error.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <thread>

namespace ipc::nats {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long commit() resends what the server did not acknowledge.
constexpr auto confirm_for = 30s;
constexpr auto resend_first = 100ms;
constexpr auto resend_last = 1s;

}

void StreamQueue::set_duplicates(Duration window)
{
    if (m_duplicates == window)
        return;
    auto info = m_js.stream_info(m_stream);
    if (!info)
        throw queue::NoSuchQueue(m_name);
    info->Config->Duplicates = nanoseconds(window);
    jsErrCode code {};
    check_js(api().js_UpdateStream(nullptr, m_js.get(), info->Config, nullptr, &code), code,
        fmt::format("{}: --dedup-window", m_name));
    m_duplicates = window;
}

void StreamQueue::begin(queue::Key const& key)
{
    rollback();
    m_key = key.name;
    if (!m_key.empty())
        set_duplicates(key.window);
}

void StreamQueue::add(std::string_view data, queue::PushOptions const& options)
{
    if (options.delay > Duration::zero())
        throw Error(Exit::Usage, "--delay is for the local backend only",
            "nats-server 2.9 has no delayed delivery");
    if (options.priority != 0)
        throw Error(Exit::Usage, "--priority is for the local backend only",
            "a JetStream stream keeps one order");
    auto const& nats = api();
    natsMsg* message = nullptr;
    check(nats.natsMsg_Create(
              &message, m_live.c_str(), nullptr, data.data(), static_cast<int>(data.size())),
        fmt::format("push to {}", m_name));
    m_batch.push_back(message);
    if (m_key.empty())
        return;
    ++m_keyed;
    auto const id = m_keyed == 1 ? m_key : fmt::format("{}/{}", m_key, m_keyed);
    check(nats.natsMsgHeader_Add(message, "Nats-Msg-Id", id.c_str()), "--id");
}

void StreamQueue::on_ack(jsCtx*, natsMsg* message, jsPubAck* ack, jsPubAckErr* error, void* closure)
{
    auto* acks = static_cast<Acks*>(closure);
    std::lock_guard lock(acks->mutex);
    if (ack) {
        ++(ack->Duplicate ? acks->duplicates : acks->stored);
        api().natsMsg_Destroy(message);
        return;
    }
    acks->failed.push_back(message);
    if (error) {
        acks->error = error->ErrText && *error->ErrText ? error->ErrText
                                                        : api().natsStatus_GetText(error->Err);
        acks->lasting = acks->lasting || error->ErrCode != 0;
    }
}

queue::Committed StreamQueue::commit(queue::End)
{
    auto const& nats = api();
    auto batch = std::exchange(m_batch, {});
    if (batch.empty())
        return {};
    {
        std::lock_guard lock(m_acks->mutex);
        m_acks->stored = m_acks->duplicates = 0;
        m_acks->lasting = false;
    }
    auto const give_up = Clock::now() + confirm_for;
    auto resend = std::chrono::duration_cast<Duration>(resend_first);
    SignalBlock const block; // The first async publish starts cnats' PubAck thread.
    for (;;) {
        std::vector<natsMsg*> again;
        for (auto*& message : batch) {
            auto const status = nats.js_PublishMsgAsync(m_js.get(), &message, nullptr);
            if (status == NATS_OK)
                continue; // cnats owns it now.
            if (status != NATS_TIMEOUT) { // Not just a stall: the rest goes too.
                for (auto* rest : batch)
                    nats.natsMsg_Destroy(rest);
                for (auto* rest : again)
                    nats.natsMsg_Destroy(rest);
                check(status, fmt::format("push to {}", m_name));
            }
            again.push_back(std::exchange(message, nullptr));
        }
        jsPubOptions options;
        nats.jsPubOptions_Init(&options);
        options.MaxWait = milliseconds(give_up - Clock::now());
        if (nats.js_PublishAsyncComplete(m_js.get(), &options) != NATS_OK) {
            natsMsgList pending {};
            if (nats.js_PublishAsyncGetPendingList(&pending, m_js.get()) == NATS_OK) {
                for (int i = 0; i < pending.Count; ++i)
                    again.push_back(std::exchange(pending.Msgs[i], nullptr));
                nats.natsMsgList_Destroy(&pending);
            }
        }
        std::string error;
        bool lasting = false;
        {
            std::lock_guard lock(m_acks->mutex);
            again.insert(again.end(), m_acks->failed.begin(), m_acks->failed.end());
            m_acks->failed.clear();
            error = m_acks->error;
            lasting = m_acks->lasting;
        }
        if (again.empty())
            break;
        if (lasting || Clock::now() >= give_up) {
            for (auto* message : again)
                nats.natsMsg_Destroy(message);
            throw Error(lasting ? Exit::Failed : Exit::Unavailable,
                fmt::format("{}: the NATS server did not confirm {} items{}: {}", m_name,
                    again.size(), lasting ? "" : " in 30 s", error.empty() ? "no answer" : error));
        }
        std::this_thread::sleep_for(std::min<Duration>(resend, give_up - Clock::now()));
        resend = std::min<Duration>(resend * 2, resend_last);
        batch = std::move(again);
    }
    std::lock_guard lock(m_acks->mutex);
    return { .stored = m_acks->stored, .duplicates = m_acks->duplicates };
}

void StreamQueue::rollback() noexcept
{
    for (auto* message : m_batch)
        api().natsMsg_Destroy(message);
    m_batch.clear();
}

}
