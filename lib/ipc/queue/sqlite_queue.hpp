#pragma once

// The local queue's class, shared by the files that implement it (not for
// use outside lib/ipc/queue: open it with open_sqlite()). Items are stored in
// chunks (chunk.hpp): a push writes a chunk per run of up to chunk_items
// items; a lease takes whole chunks, splitting the last one when it holds
// more than asked for, and marks them with a token unique to the lease; an
// ack deletes the chunks of its id range that still carry the token.
// Anything that acts on some items of a chunk splits it first
// (ChunkTable::isolate). Dead items live in a table of their own
// (sqlite_schema.hpp). Items wait ready, delayed, or leased: leased is then
// the lease's token, never 0, and ready_at when the lease runs out; ready_at
// is 0 once an item is ready, and a lease makes it so for those due.
//
//   sqlite_store.cpp  opening, pushing and keys
//   sqlite_take.cpp   leases and their outcomes, peek
//   sqlite_admin.cpp  dead items, retry, purge, drop, waiting items, stats

#include "ipc/core/clock.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/queue/chunk.hpp"
#include "ipc/queue/queue.hpp"
#include "ipc/queue/sqlite_chunks.hpp"
#include "ipc/queue/sqlite_db.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::queue {

inline std::int64_t nanoseconds(Duration duration)
{
    return duration.count();
}

// Activity is counted per bucket of this length; the rates of stat are over
// the last window_buckets of them and the current one.
inline constexpr std::int64_t bucket_ns = 10'000'000'000;
inline constexpr std::int64_t window_buckets = 6;

// A lease token (`leased`) holds the pid of the process that took the
// lease in bits 32 to 61, and bit 62 says so; the tokens of older versions
// are random below bit 62 (and 1 before them), and name nobody.
inline constexpr std::uint64_t token_has_pid = std::uint64_t { 1 } << 62;
inline constexpr std::uint64_t token_pid_mask = (std::uint64_t { 1 } << 30) - 1;

// The pid a lease token names, or 0.
inline std::int64_t holder_of(std::int64_t token)
{
    auto const bits = static_cast<std::uint64_t>(token);
    if (token <= 0 || (bits & token_has_pid) == 0)
        return 0;
    return static_cast<std::int64_t>(bits >> 32 & token_pid_mask);
}

// The ready_at of an item that is to wait for wait from now: 0 (ready) when
// it need not wait.
inline std::int64_t due_at(std::int64_t now, Duration wait)
{
    return wait > Duration {} ? now + nanoseconds(wait) : 0;
}

inline void bind_text(sqlite3_stmt* statement, int index, std::string_view text)
{
    sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

class SqliteQueue final : public Queue {
public:
    SqliteQueue(std::string name, std::string path, Sync sync, Clock& clock);
    ~SqliteQueue() override = default;

    void begin(Key const& key) override;
    void add(std::string_view data, PushOptions const& options) override;
    Committed commit(End end) override;
    void rollback() noexcept override;
    std::unique_ptr<Waiter> waiter() override;

    std::vector<Item> lease(std::size_t max, Duration lease) override;
    std::uint64_t extend(std::span<Item const> items, Duration lease) override;
    std::uint64_t ack(std::span<Item const> items) override;
    std::uint64_t release(
        std::span<Item const> items, std::string_view error, Duration backoff, Fate fate) override;

    std::vector<Item> peek(std::size_t max) override;
    std::vector<Item> dead(std::size_t max) override;
    std::uint64_t retry(std::span<Id const> ids) override;
    std::uint64_t purge() override;
    std::uint64_t drop(std::span<Id const> ids) override;
    std::vector<Item> waiting(Waiting which, std::size_t max) override;
    Stats stats() override;
    std::optional<Duration> next_due() override;

private:
    std::int64_t now_ns() { return m_clock.now_ns(); }
    void insert_pending();
    void claim(Key const& key);
    template<typename Each> void scan_ready(std::int64_t now, Each each);
    template<typename Bind>
    std::uint64_t each_run(
        std::span<Item const> items, Statement& statement, char const* sql, Bind bind);
    std::uint64_t count_of(char const* sql, std::string_view ids = {});
    // Counts items pushed and done now, in `activity`.
    void record(std::uint64_t pushed, std::uint64_t done);

    Clock& m_clock;
    Database m_db; // Declared first: the statements are finalized before it closes.
    ChunkTable m_items, m_dead;
    Statement m_next_get, m_next_put, m_key_get, m_key_put, m_key_sweep, m_key_count, m_ready,
        m_promote, m_mark_leased, m_ack, m_extend, m_release, m_bury, m_unbury, m_dead_list,
        m_undead, m_drop, m_drop_dead, m_waiting, m_stats, m_rates, m_next_due, m_record, m_prune;
    // Items added but not inserted yet: one chunk being made, and the
    // options its items share.
    Chunk m_pending;
    PushOptions m_pending_options;
    std::optional<Id> m_next_id; // Within a push's transaction: the next item's id.
    std::uint64_t m_pushed = 0; // Items inserted by the transaction, for `activity`.
    std::uint64_t m_duplicates = 0; // Items left out by the transaction.
    std::string m_key; // The key claimed, if any,
    Fd m_key_lock; // its lock (lock_key()),
    std::uint64_t m_key_stored = 0; // the items earlier pushes under it stored,
    bool m_key_finished = false; // whether one of them finished,
    std::uint64_t m_key_added = 0; // and the items added under it so far.
};

}
