#pragma once

// A durable named queue: items go in with push, come out through leases that
// are acked (deleted) or released (retried later, or moved to the dead list).
// An item is never handed to two consumers while its lease runs.

#include "ipc/core/error.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/framing/json.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::queue {

using Id = std::int64_t;

struct Item {
    Id id = 0;
    std::string data;
    std::int64_t enqueued_ns = 0; // Unix time of the push.
    std::int64_t attempts = 0; // Deliveries so far, this one included.
    std::string error; // The last failure, for dead and retried items.
    std::int64_t priority = 0;
    std::int64_t lease = 0; // The lease it was taken under (lease()); ack() needs it.
    // Listed by waiting(): when it is due (Unix ns; the end of its lease, or
    // of its delay), and for a leased one the pid that holds it (0: unknown).
    std::int64_t due_ns = 0;
    std::int64_t holder = 0;
};

// The --json members of an item beside its data: id and attempts.
inline framing::JsonFields json_fields(Item const& item)
{
    return { { "id", std::to_string(item.id) }, { "attempts", std::to_string(item.attempts) } };
}

struct PushOptions {
    Duration delay {}; // Deliver no earlier than this after the push.
    std::int64_t priority = 0; // Higher first; FIFO within one priority.
};

struct Stats {
    std::uint64_t ready = 0; // Deliverable now.
    std::uint64_t delayed = 0; // Waiting for --delay or a retry's back-off.
    std::uint64_t leased = 0; // Held by a consumer whose lease runs.
    std::uint64_t dead = 0;
    std::optional<Duration> oldest_age; // Since the push of the oldest live item.
    double pushed_per_s = 0; // Over the last minute.
    double done_per_s = 0; // Acked (popped, or processed by work), over the last minute.
    bool rates = true; // False where the store counts no rates (NATS): shown as unknown.
    // A replicated store (NATS): how many copies it keeps, and the server leading them.
    std::optional<std::uint64_t> replicas;
    std::string leader;
};

enum class Sync { Normal, Full };

// What opening a queue that does not exist does.
enum class Missing { Create, Fail };

// What opening a queue that does not exist throws with Missing::Fail (69),
// in every backend; a command may catch it to say what it can do instead.
class NoSuchQueue : public Error {
public:
    explicit NoSuchQueue(std::string const& name, std::string hint = "see 'ipc-queue ls'")
        : Error(Exit::Unavailable, name + ": no such queue", std::move(hint))
    {
    }
};

// The items waiting() lists: those a consumer holds, or those not due yet.
enum class Waiting { Leased, Delayed };

// How long a key of push --id is remembered.
inline constexpr Duration default_dedup_window = std::chrono::hours(24);

// The key of a push (push --id): the nth item added under a key, counted
// over the batches of a push, is the nth item of every push under that key
// within its window, and is stored once.
struct Key {
    std::string_view name; // Empty: no key.
    Duration window = default_dedup_window;
};

// What a batch ends: just itself, or the push (under a key: the push is
// done, and a later one under the key adds nothing).
enum class End { Batch, Push };

// What commit() did with the items added since begin().
struct Committed {
    std::uint64_t stored = 0; // Now in the queue.
    std::uint64_t duplicates = 0; // Stored under the key before: left out.
    // A push under the key finished before, so every item of this one is a
    // duplicate. A store that learns about duplicates only item by item
    // leaves it false.
    bool finished = false;
};

// What release() does with an item: back in line, or onto the dead list.
enum class Fate { Retry, Dead };

// Wakes a consumer that waits for items: fd() (to watch in an io::Loop)
// is readable after a push, as a hint only (look with Queue::lease()), and
// rearm() consumes the wake-up. Made before the first look at the queue,
// so that no push between the two is missed.
class Waiter {
public:
    virtual ~Waiter() = default;
    virtual int fd() const = 0;
    virtual void rearm() noexcept = 0;
};

class Queue {
public:
    virtual ~Queue() = default;

    // Push in transactions: begin, add items, commit. Nothing is stored until
    // commit() returns; a failure (e.g. a full disk) rolls the batch back and
    // throws Error(IoError). The destructor rolls back an uncommitted batch.
    // A commit that stored items wakes the queue's waiters. Under a key,
    // the first begin() claims it for this Queue: it throws Error(TempFail)
    // while another push under the key runs. Duplicates are counted by
    // commit(), not add(): a remote store learns of them when it acknowledges.
    virtual void begin(Key const& key) = 0;
    virtual void add(std::string_view data, PushOptions const& options) = 0;
    virtual Committed commit(End end) = 0;
    virtual void rollback() noexcept = 0;

    // Watches for pushes, to wait for items (see Waiter).
    virtual std::unique_ptr<Waiter> waiter() = 0;

    // Leases up to max ready items, highest priority and oldest first, for
    // lease; each counts one attempt. Empty when none is ready. The items of
    // one call share a lease token, unique to that call.
    virtual std::vector<Item> lease(std::size_t max, Duration lease) = 0;
    // The next three act only on the items still under the lease they were
    // taken with: an item whose lease ran out and that was leased again
    // belongs to its new consumer, and a stale outcome must not override
    // the current one. Each returns how many items it acted on.
    //
    // Extends the lease of items still being worked on to lease from now.
    virtual std::uint64_t extend(std::span<Item const> items, Duration lease) = 0;
    // Deletes items for good.
    virtual std::uint64_t ack(std::span<Item const> items) = 0;
    // Gives items back after a failure, with error: ready again after
    // backoff (Fate::Retry), or moved to the dead list (Fate::Dead).
    virtual std::uint64_t release(
        std::span<Item const> items, std::string_view error, Duration backoff, Fate fate)
        = 0;

    // The items pop would take next, without taking them.
    virtual std::vector<Item> peek(std::size_t max) = 0;
    virtual std::vector<Item> dead(std::size_t max) = 0;
    // Dead items back to ready (all of them when ids is empty); returns how many.
    virtual std::uint64_t retry(std::span<Id const> ids) = 0;
    // Deletes every item, dead ones included; returns how many.
    virtual std::uint64_t purge() = 0;
    // Deletes the items ids, live or dead, leased ones included; returns how
    // many there were.
    virtual std::uint64_t drop(std::span<Id const> ids) = 0;
    // Up to max leased or delayed items, the soonest due first, with their
    // due time and holder. Throws Error(Usage) where the store cannot tell.
    virtual std::vector<Item> waiting(Waiting which, std::size_t max) = 0;
    virtual Stats stats() = 0;
    // How long until the next delayed or leased item becomes ready, if any.
    virtual std::optional<Duration> next_due() = 0;
};

}
