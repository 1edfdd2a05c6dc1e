// The local queue's leases and their outcomes (extend, ack, release), and
// peek, which looks where a lease would take (sqlite_queue.hpp).

#include "ipc/queue/sqlite_queue.hpp"

#include <fmt/format.h>

#include <atomic>
#include <random>
#include <unistd.h>

namespace ipc::queue {

namespace {

// A lease token no other lease of any process uses, which names the process
// that holds it (holder_of()): the pid, and a count started at random.
std::int64_t next_token()
{
    auto const pid = static_cast<std::uint64_t>(::getpid()) & token_pid_mask;
    static std::atomic<std::uint32_t> next = [] {
        std::random_device random;
        return std::uint32_t { random() };
    }();
    auto const count = std::uint64_t { next.fetch_add(1) };
    return static_cast<std::int64_t>(token_has_pid | pid << 32 | count);
}

// Calls each(first, last) for each run of items[first..last) with
// consecutive ids and one lease.
template<typename Each> void for_each_run(std::span<Item const> items, Each each)
{
    for (std::size_t first = 0, last; first < items.size(); first = last) {
        for (last = first + 1; last < items.size() && items[last].id == items[last - 1].id + 1
             && items[last].lease == items[first].lease;)
            ++last;
        each(items[first], items[last - 1]);
    }
}

}

// Calls each(Chunk&&) for the ready chunks in the order their items are due
// until it returns false: highest priority first, oldest first within one.
// Both ranges of items_due (sqlite_schema.hpp): the ready ones in order, and
// those due since the last lease, sorted (none right after a lease).
template<typename Each> void SqliteQueue::scan_ready(std::int64_t now, Each each)
{
    auto* select = m_db.prepare(m_ready,
        fmt::format("SELECT {0} FROM items WHERE ready_at = 0 UNION ALL"
                    " SELECT {0} FROM items WHERE ready_at > 0 AND ready_at <= ?1"
                    " ORDER BY priority DESC, id",
            chunk_columns)
            .c_str());
    sqlite3_bind_int64(select, 1, now);
    m_items.scan(select, each);
}

std::vector<Item> SqliteQueue::lease(std::size_t max, Duration lease)
{
    if (max == 0)
        return {};
    return transaction(m_db, [&] {
        auto const now = now_ns();
        auto const token = next_token();
        auto* promote = m_db.prepare(
            m_promote, "UPDATE items SET ready_at = 0 WHERE ready_at > 0 AND ready_at <= ?1");
        sqlite3_bind_int64(promote, 1, now);
        m_db.step(promote);
        std::vector<Chunk> chunks;
        std::size_t count = 0;
        scan_ready(now, [&](Chunk&& chunk) {
            count += static_cast<std::size_t>(chunk.count);
            chunks.push_back(std::move(chunk));
            return count < max;
        });
        if (count > max) // The rest of the last chunk stays behind, in a chunk of its own.
            m_items.split_off(
                chunks.back(), chunks.back().count - static_cast<std::int64_t>(count - max));
        std::vector<Item> items;
        items.reserve(std::min(count, max));
        for (auto& chunk : chunks) {
            auto* mark = m_db.prepare(m_mark_leased,
                "UPDATE items SET leased = ?2, attempts = attempts + 1, ready_at = ?3 WHERE id = "
                "?1");
            sqlite3_bind_int64(mark, 1, chunk.id);
            sqlite3_bind_int64(mark, 2, token);
            sqlite3_bind_int64(mark, 3, now + nanoseconds(lease));
            m_db.step(mark);
            chunk.leased = token;
            ++chunk.attempts;
            m_items.append_items(chunk, items);
        }
        return items;
    });
}

// Runs sql over each run of items (?1 and ?2: its first and last id, ?3 its
// lease token; bind() binds the rest), on whole chunks; returns the sum of
// the counts it returns.
template<typename Bind>
std::uint64_t SqliteQueue::each_run(
    std::span<Item const> items, Statement& statement, char const* sql, Bind bind)
{
    std::uint64_t total = 0;
    for_each_run(items, [&](Item const& first, Item const& last) {
        m_items.isolate(first.id, last.id);
        auto* run = m_db.prepare(statement, sql);
        sqlite3_bind_int64(run, 1, first.id);
        sqlite3_bind_int64(run, 2, last.id);
        sqlite3_bind_int64(run, 3, first.lease);
        bind(run);
        while (m_db.step(run) == SQLITE_ROW)
            total += static_cast<std::uint64_t>(sqlite3_column_int64(run, 0));
    });
    return total;
}

std::uint64_t SqliteQueue::extend(std::span<Item const> items, Duration lease)
{
    return transaction(m_db, [&] {
        auto const until = now_ns() + nanoseconds(lease);
        return each_run(items, m_extend,
            "UPDATE items SET ready_at = ?4 WHERE id BETWEEN ?1 AND ?2 AND leased = ?3"
            " RETURNING count",
            [&](sqlite3_stmt* run) { sqlite3_bind_int64(run, 4, until); });
    });
}

std::uint64_t SqliteQueue::ack(std::span<Item const> items)
{
    return transaction(m_db, [&] {
        auto const done = each_run(items, m_ack,
            "DELETE FROM items WHERE id BETWEEN ?1 AND ?2 AND leased = ?3 RETURNING count",
            [](sqlite3_stmt*) {});
        if (done != 0)
            record(0, done);
        return done;
    });
}

std::uint64_t SqliteQueue::release(
    std::span<Item const> items, std::string_view error, Duration backoff, Fate fate)
{
    return transaction(m_db, [&] {
        auto const ready_at = due_at(now_ns(), backoff);
        auto const bind = [&](sqlite3_stmt* run) {
            bind_text(run, 4, error);
            sqlite3_bind_int64(run, 5, ready_at);
        };
        if (fate == Fate::Retry)
            return each_run(items, m_release,
                "UPDATE items SET leased = 0, error = ?4, ready_at = ?5"
                " WHERE id BETWEEN ?1 AND ?2 AND leased = ?3 RETURNING count",
                bind);
        auto const buried = each_run(items, m_bury,
            "INSERT INTO dead SELECT id, count, priority, ?5, enqueued, attempts, 0, ?4, ends, data"
            " FROM items WHERE id BETWEEN ?1 AND ?2 AND leased = ?3 RETURNING count",
            bind);
        each_run(items, m_unbury, "DELETE FROM items WHERE id BETWEEN ?1 AND ?2 AND leased = ?3",
            [](sqlite3_stmt*) {});
        return buried;
    });
}

std::vector<Item> SqliteQueue::peek(std::size_t max)
{
    std::vector<Item> items;
    if (max == 0)
        return items;
    scan_ready(now_ns(), [&](Chunk&& chunk) {
        m_items.append_items(chunk, items);
        return items.size() < max;
    });
    items.resize(std::min(items.size(), max));
    return items;
}

}
