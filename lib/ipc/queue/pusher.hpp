#pragma once

// push's batching policy: the items of one push go into the queue in
// batches (transactions), each begun with its first item and committed when
// the input pauses, at a size limit, and at the end. So no lock is held
// while input waits, no batch grows without bound, and a failure loses only
// the batch in progress. Under a key (push --id) every batch carries it.

#include "ipc/queue/queue.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::queue {

// A batch is committed once it holds this many items or bytes.
struct BatchLimits {
    std::uint64_t items = 50'000;
    std::size_t bytes = 16 << 20;
};

class Pusher {
public:
    // Pushes into queue with options. Under key, claims it at once (with an
    // empty batch) and throws as Queue::begin() does.
    Pusher(Queue& queue, PushOptions const& options, Key const& key = {}, BatchLimits limits = {});
    // Rolls back the batch in progress, if any (the Queue's destructor would too).
    ~Pusher();

    Pusher(Pusher const&) = delete;
    Pusher& operator=(Pusher const&) = delete;

    // True when a push under the key finished before: every item would be
    // a duplicate, so there is nothing to push.
    bool finished() const { return m_total.finished; }

    void add(std::string_view data);
    // The input paused: commits the batch in progress, if any.
    void pause();
    // The input ended: commits the rest and ends the push (Queue::commit).
    void finish();

    // What the batches committed so far did.
    Committed const& total() const { return m_total; }

private:
    void open();
    void commit(End end);

    Queue& m_queue;
    PushOptions m_options;
    std::string m_key;
    Duration m_window;
    BatchLimits m_limits;
    bool m_open = false; // A batch is begun.
    std::uint64_t m_items = 0; // In the batch begun.
    std::size_t m_bytes = 0;
    Committed m_total;
};

}
