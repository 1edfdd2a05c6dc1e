#pragma once

// nats::StreamQueue: queue::Queue on a JetStream work-queue stream.
//   push:  add() buffers; commit() publishes the batch asynchronously and
//          returns once every item has a PubAck, resending the rest for up
//          to 30 s; under a key, the nth item carries Nats-Msg-Id KEY/n
//          (KEY for the first), so the stream stores it once per window.
//   lease: one Fetch per call on the pull consumer "ipc", whose AckWait is
//          the lease; attempts are the server's NumDelivered, ids the
//          stream sequence. ack → Ack (+ one flush), extend → InProgress,
//          release → NakWithDelay, or for the dead list a copy published
//          on the dead subject with its error, then AckSync.
//   admin: stream_admin.cpp.
// Every call runs on our thread; cnats' threads only touch Acks (the
// PubAck counts) and a waiter's eventfd.

#include "ipc/nats/jetstream.hpp"
#include "ipc/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipc::nats {

class StreamQueue final : public queue::Queue {
public:
    // Opens or creates (missing) the stream of queue name; see open_queue().
    StreamQueue(BackendOptions const& backend, std::string name, queue::Missing missing);
    ~StreamQueue() override;

    void begin(queue::Key const& key) override;
    void add(std::string_view data, queue::PushOptions const& options) override;
    queue::Committed commit(queue::End end) override;
    void rollback() noexcept override;

    std::unique_ptr<queue::Waiter> waiter() override;

    std::vector<queue::Item> lease(std::size_t max, Duration lease) override;
    std::uint64_t extend(std::span<queue::Item const> items, Duration lease) override;
    std::uint64_t ack(std::span<queue::Item const> items) override;
    std::uint64_t release(std::span<queue::Item const> items, std::string_view error,
        Duration backoff, queue::Fate fate) override;

    std::vector<queue::Item> peek(std::size_t max) override;
    std::vector<queue::Item> dead(std::size_t max) override;
    std::uint64_t retry(std::span<queue::Id const> ids) override;
    std::uint64_t purge() override;
    std::uint64_t drop(std::span<queue::Id const> ids) override;
    std::vector<queue::Item> waiting(queue::Waiting which, std::size_t max) override;
    queue::Stats stats() override;
    std::optional<Duration> next_due() override;

private:
    // The PubAcks of a commit, counted on cnats' thread.
    struct Acks {
        std::mutex mutex;
        std::uint64_t stored = 0, duplicates = 0;
        std::vector<natsMsg*> failed; // To send again (ours to destroy).
        std::string error; // The last failure's.
        bool lasting = false; // A failure that resending will not mend.
    };
    struct Leased {
        natsMsg* message = nullptr; // Ours to destroy.
        std::int64_t token = 0;
    };
    static void on_ack(jsCtx*, natsMsg* message, jsPubAck* ack, jsPubAckErr* error, void* closure);

    void create_stream();
    void set_duplicates(Duration window);
    Owned<jsConsumerInfo> consumer_info();
    Owned<jsConsumerInfo> counts();
    void subscribe(Duration lease);
    void fetch(natsMsgList& list, std::size_t max, Duration expires);
    natsMsg* leased(queue::Item const& item);
    void forget(queue::Item const& item);
    void flush();
    void bury(queue::Item const& item, natsMsg* message, std::string_view error);
    bool exists(std::uint64_t sequence); // A message of the stream has it.
    std::vector<queue::Item> direct(
        std::string const& subject, std::uint64_t from, std::size_t max);

    std::string m_name, m_stream, m_live, m_dead;
    std::unique_ptr<Acks> m_acks; // Before m_js: it outlives cnats' callbacks.
    std::vector<std::unique_ptr<Fd>> m_waiter_fds; // Likewise, for the waiters.
    JetStream m_js;
    // Push.
    std::vector<natsMsg*> m_batch; // Ours to destroy.
    std::string m_key;
    std::uint64_t m_keyed = 0; // Items added under the key so far.
    std::optional<Duration> m_duplicates; // The stream's window, once known.
    // Lease.
    natsSubscription* m_pull = nullptr;
    Duration m_ack_wait {};
    std::int64_t m_tokens = 0;
    std::unordered_map<queue::Id, Leased> m_leased;
    std::optional<std::chrono::steady_clock::time_point> m_due; // Of the last NakWithDelay.
};

}
