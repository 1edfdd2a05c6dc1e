// The local queue's dead items, retry, purge, stats and next_due: what the
// admin subcommands and the waiters ask (sqlite_queue.hpp).

#include "ipc/queue/sqlite_queue.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace ipc::queue {

namespace {

// "[3,4,9]": a set of ids for one statement, read back with json_each().
std::string json_ids(std::span<Id const> ids)
{
    std::string text = "[";
    for (auto const id : ids)
        fmt::format_to(std::back_inserter(text), "{},", id);
    if (text.size() > 1)
        text.pop_back();
    text += ']';
    return text;
}

std::vector<Id> sorted(std::span<Id const> ids)
{
    std::vector<Id> out(ids.begin(), ids.end());
    std::sort(out.begin(), out.end());
    return out;
}

}

std::vector<Item> SqliteQueue::dead(std::size_t max)
{
    std::vector<Item> items;
    if (max == 0)
        return items;
    auto* select = m_db.prepare(
        m_dead_list, fmt::format("SELECT {} FROM dead ORDER BY id", chunk_columns).c_str());
    m_dead.scan(select, [&](Chunk&& chunk) {
        m_dead.append_items(chunk, items);
        return items.size() < max;
    });
    items.resize(std::min(items.size(), max));
    return items;
}

// The items of the chunks that sql counts (sum(count) of some rows; ?1
// bound to ids).
std::uint64_t SqliteQueue::count_of(char const* sql, std::string_view ids)
{
    Statement statement;
    auto* select = m_db.prepare(statement, sql);
    if (sqlite3_bind_parameter_count(select) > 0)
        bind_text(select, 1, ids);
    m_db.step(select);
    auto const count = static_cast<std::uint64_t>(sqlite3_column_int64(select, 0));
    sqlite3_reset(select);
    return count;
}

std::uint64_t SqliteQueue::retry(std::span<Id const> ids)
{
    return transaction(m_db, [&] {
        for (auto const id : sorted(ids))
            m_dead.isolate(id, id);
        // Back under its old id: in its old place among the items of its priority.
        auto const json = json_ids(ids);
        auto const revived = count_of("SELECT coalesce(sum(count), 0) FROM dead"
                                      " WHERE ?1 = '[]' OR id IN (SELECT value FROM json_each(?1))",
            json);
        auto* revive = m_db.prepare(m_undead,
            "INSERT INTO items SELECT id, count, priority, 0, enqueued, 0, 0, error, ends, data"
            " FROM dead WHERE ?1 = '[]' OR id IN (SELECT value FROM json_each(?1))");
        bind_text(revive, 1, json);
        m_db.step(revive);
        m_db.exec("DELETE FROM dead WHERE EXISTS (SELECT 1 FROM items WHERE items.id = dead.id)",
            "retry");
        return revived;
    });
}

std::uint64_t SqliteQueue::purge()
{
    return transaction(m_db, [&] {
        auto const count = count_of("SELECT (SELECT coalesce(sum(count), 0) FROM items)"
                                    " + (SELECT coalesce(sum(count), 0) FROM dead)");
        m_db.exec("DELETE FROM items; DELETE FROM dead", "purge");
        return count;
    });
}

// Each id alone in its chunk first, so a row deleted is one item.
std::uint64_t SqliteQueue::drop(std::span<Id const> ids)
{
    return transaction(m_db, [&] {
        std::uint64_t count = 0;
        auto const remove = [&](ChunkTable& table, Statement& statement, char const* sql, Id id) {
            table.isolate(id, id);
            auto* run = m_db.prepare(statement, sql);
            sqlite3_bind_int64(run, 1, id);
            m_db.step(run);
            count += m_db.changes();
        };
        for (auto const id : ids) {
            remove(m_items, m_drop, "DELETE FROM items WHERE id = ?1", id);
            remove(m_dead, m_drop_dead, "DELETE FROM dead WHERE id = ?1", id);
        }
        return count;
    });
}

std::vector<Item> SqliteQueue::waiting(Waiting which, std::size_t max)
{
    std::vector<Item> items;
    if (max == 0)
        return items;
    auto* select = m_db.prepare(m_waiting,
        fmt::format("SELECT {} FROM items WHERE ready_at > ?1 AND (leased != 0) = ?2"
                    " ORDER BY ready_at, id",
            chunk_columns)
            .c_str());
    sqlite3_bind_int64(select, 1, now_ns());
    sqlite3_bind_int(select, 2, which == Waiting::Leased);
    m_items.scan(select, [&](Chunk&& chunk) {
        auto const first = items.size();
        m_items.append_items(chunk, items);
        for (auto i = first; i < items.size(); ++i) {
            items[i].due_ns = chunk.ready_at;
            items[i].holder = holder_of(chunk.leased);
        }
        return items.size() < max;
    });
    items.resize(std::min(items.size(), max));
    return items;
}

Stats SqliteQueue::stats()
{
    auto* select = m_db.prepare(m_stats,
        "SELECT"
        " coalesce(sum(count * (ready_at <= ?1)), 0),"
        " coalesce(sum(count * (leased = 0 AND ready_at > ?1)), 0),"
        " coalesce(sum(count * (leased != 0 AND ready_at > ?1)), 0),"
        " (SELECT coalesce(sum(count), 0) FROM dead),"
        " min(enqueued)"
        " FROM items");
    auto const now = now_ns();
    sqlite3_bind_int64(select, 1, now);
    m_db.step(select);
    Stats stats;
    auto const column = [&](int index) {
        return static_cast<std::uint64_t>(sqlite3_column_int64(select, index));
    };
    stats.ready = column(0);
    stats.delayed = column(1);
    stats.leased = column(2);
    stats.dead = column(3);
    if (sqlite3_column_type(select, 4) != SQLITE_NULL)
        stats.oldest_age
            = Duration(std::max<std::int64_t>(0, now - sqlite3_column_int64(select, 4)));
    sqlite3_reset(select);

    auto* rates = m_db.prepare(m_rates,
        "SELECT coalesce(sum(pushed), 0), coalesce(sum(done), 0) FROM activity WHERE bucket >= ?1");
    sqlite3_bind_int64(rates, 1, now / bucket_ns - window_buckets);
    m_db.step(rates);
    // From the start of the oldest bucket counted to now.
    auto const seconds = static_cast<double>(window_buckets * bucket_ns + now % bucket_ns) / 1e9;
    stats.pushed_per_s = static_cast<double>(sqlite3_column_int64(rates, 0)) / seconds;
    stats.done_per_s = static_cast<double>(sqlite3_column_int64(rates, 1)) / seconds;
    sqlite3_reset(rates);
    return stats;
}

std::optional<Duration> SqliteQueue::next_due()
{
    auto const now = now_ns();
    auto* select = m_db.prepare(m_next_due, "SELECT min(ready_at) FROM items WHERE ready_at > ?1");
    sqlite3_bind_int64(select, 1, now);
    m_db.step(select);
    std::optional<Duration> due;
    if (sqlite3_column_type(select, 0) != SQLITE_NULL)
        due = Duration(sqlite3_column_int64(select, 0) - now);
    sqlite3_reset(select); // A statement left running would keep the snapshot of this read.
    return due;
}

}
