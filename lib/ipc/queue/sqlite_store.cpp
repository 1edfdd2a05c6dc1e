// The queue over one Database. Every operation is a handful of set-based
// statements, prepared once: a push inserts insert_rows items per statement;
// a lease selects a batch and marks it with one UPDATE over its id range,
// writing a token unique to the lease into `leased`; an ack deletes the rows
// of that id range that still carry the token, with one DELETE. Dead items
// live in their own table (sqlite_schema.hpp).

#include "ipc/queue/sqlite_store.hpp"

#include "ipc/core/error.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/sqlite_db.hpp"
#include "ipc/queue/sqlite_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <iterator>
#include <random>
#include <unistd.h>

namespace ipc::queue {

namespace {

// Items wait ready, delayed, or leased: leased is then the lease's token,
// never 0, and ready_at when the lease runs out.

// Rows per INSERT statement: one statement per row costs three times as much.
constexpr std::size_t insert_rows = 64;

std::int64_t nanoseconds(Duration duration)
{
    return duration.count();
}

// A lease token no other lease of any process uses: random, then counted.
std::int64_t next_token()
{
    static std::atomic<std::uint64_t> next = [] {
        std::random_device random;
        return (std::uint64_t { random() } << 32 | random()) & 0x3fff'ffff'ffff'ffff;
    }();
    std::uint64_t token;
    do
        token = next.fetch_add(1) & 0x7fff'ffff'ffff'ffff;
    while (token < 2); // 0 is "not leased", 1 the token of older versions.
    return static_cast<std::int64_t>(token);
}

std::int64_t limit_of(std::size_t max)
{
    return static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX));
}

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

void bind_text(sqlite3_stmt* statement, int index, std::string_view text)
{
    sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

// INSERT … VALUES (?1, ?2, ?3, ?4), (?1, ?2, ?3, ?5), …: the options and the
// time are bound once, each row's data in its own parameter.
std::string insert_sql(std::size_t rows)
{
    std::string sql = "INSERT INTO items (priority, ready_at, enqueued, data) VALUES ";
    for (std::size_t row = 0; row < rows; ++row)
        fmt::format_to(std::back_inserter(sql), "{}(?1, ?2, ?3, ?{})", row ? ", " : "", row + 4);
    return sql;
}

class SqliteQueue final : public Queue {
public:
    SqliteQueue(std::string name, std::string path, Sync sync);
    ~SqliteQueue() override = default;

    void begin() override { m_db.begin(); }
    void add(std::string_view data, PushOptions const& options) override;
    bool claim_key(std::string_view key, Duration window) override;
    void commit() override;
    void rollback() noexcept override;

    std::vector<Item> lease(std::size_t max, Duration lease) override;
    void extend(std::span<Id const> ids, Duration lease) override;
    void ack(std::span<Item const> items) override;
    void release(Id id, std::string_view error, Duration backoff, bool dead) override;

    std::vector<Item> peek(std::size_t max) override;
    std::vector<Item> dead(std::size_t max) override;
    std::uint64_t retry(std::span<Id const> ids) override;
    std::uint64_t purge() override;
    Stats stats() override;
    std::optional<std::int64_t> next_due_ns() override;

private:
    void insert_pending();
    std::vector<Item> select_ready(std::size_t max, std::int64_t now);
    std::vector<Item> read_items(sqlite3_stmt* statement);

    Database m_db; // Declared first: the statements are finalized before it closes.
    Statement m_insert_one, m_insert_many, m_key_get, m_key_put, m_key_sweep, m_ready_above,
        m_ready_zero, m_ready_below, m_mark_leased, m_ack, m_extend, m_release, m_bury, m_unbury,
        m_dead, m_undead, m_stats, m_next_due;
    // Items added but not inserted yet: their data back to back, where each
    // ends, and the options they share.
    std::string m_pending;
    std::vector<std::size_t> m_pending_ends;
    PushOptions m_pending_options;
};

}

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string queue_path(std::string const& name)
{
    return fmt::format("{}/{}.db", state_dir(), name);
}

namespace {

SqliteQueue::SqliteQueue(std::string name, std::string path, Sync sync)
    : m_db(std::move(name), std::move(path), sync)
{
    m_pending_ends.reserve(insert_rows);
    transaction(m_db, [&] { open_schema(m_db); });
}

void SqliteQueue::add(std::string_view data, PushOptions const& options)
{
    if (!m_pending_ends.empty()
        && (options.delay != m_pending_options.delay
            || options.priority != m_pending_options.priority))
        insert_pending();
    m_pending_options = options;
    m_pending.append(data);
    m_pending_ends.push_back(m_pending.size());
    if (m_pending_ends.size() == insert_rows)
        insert_pending();
}

void SqliteQueue::insert_pending()
{
    auto const now = now_ns();
    auto const bind_common = [&](sqlite3_stmt* insert) {
        sqlite3_bind_int64(insert, 1, m_pending_options.priority);
        sqlite3_bind_int64(insert, 2, now + nanoseconds(m_pending_options.delay));
        sqlite3_bind_int64(insert, 3, now);
    };
    // SQLITE_STATIC: m_pending stays as it is until the statement has run.
    auto const bind_data = [&](sqlite3_stmt* insert, int index, std::size_t row) {
        auto const begin = row == 0 ? 0 : m_pending_ends[row - 1];
        auto const size = m_pending_ends[row] - begin;
        sqlite3_bind_blob64(
            insert, index, size ? m_pending.data() + begin : "", size, SQLITE_STATIC);
    };
    auto const rows = m_pending_ends.size();
    if (rows == insert_rows) {
        static std::string const sql = insert_sql(insert_rows);
        auto* insert = m_db.prepare(m_insert_many, sql.c_str());
        bind_common(insert);
        for (std::size_t row = 0; row < rows; ++row)
            bind_data(insert, static_cast<int>(row) + 4, row);
        m_db.step(insert);
    } else {
        for (std::size_t row = 0; row < rows; ++row) {
            auto* insert = m_db.prepare(m_insert_one,
                "INSERT INTO items (priority, ready_at, enqueued, data) VALUES (?1, ?2, ?3, ?4)");
            bind_common(insert);
            bind_data(insert, 4, row);
            m_db.step(insert);
        }
    }
    m_pending.clear();
    m_pending_ends.clear();
}

void SqliteQueue::commit()
{
    if (!m_pending_ends.empty())
        insert_pending();
    m_db.commit();
}

void SqliteQueue::rollback() noexcept
{
    m_pending.clear();
    m_pending_ends.clear();
    m_db.rollback();
}

bool SqliteQueue::claim_key(std::string_view key, Duration window)
{
    auto const now = now_ns();
    auto* get = m_db.prepare(m_key_get, "SELECT expires FROM keys WHERE key = ?1");
    bind_text(get, 1, key);
    if (m_db.step(get) == SQLITE_ROW && sqlite3_column_int64(get, 0) > now)
        return false;
    sqlite3_reset(get);
    auto* put
        = m_db.prepare(m_key_put, "INSERT OR REPLACE INTO keys (key, expires) VALUES (?1, ?2)");
    bind_text(put, 1, key);
    sqlite3_bind_int64(put, 2, now + nanoseconds(window));
    m_db.step(put);
    // Old keys go, so the table stays as small as the window.
    auto* sweep = m_db.prepare(m_key_sweep, "DELETE FROM keys WHERE expires <= ?1");
    sqlite3_bind_int64(sweep, 1, now);
    m_db.step(sweep);
    return true;
}

// Columns: id, data, enqueued, attempts, error[, priority].
std::vector<Item> SqliteQueue::read_items(sqlite3_stmt* statement)
{
    std::vector<Item> items;
    bool const with_priority = sqlite3_column_count(statement) > 5;
    while (m_db.step(statement) == SQLITE_ROW) {
        Item& item = items.emplace_back();
        item.id = sqlite3_column_int64(statement, 0);
        auto const* data = static_cast<char const*>(sqlite3_column_blob(statement, 1));
        item.data.assign(
            data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, 1)));
        item.enqueued_ns = sqlite3_column_int64(statement, 2);
        item.attempts = sqlite3_column_int64(statement, 3);
        auto const* error = reinterpret_cast<char const*>(sqlite3_column_text(statement, 4));
        item.error = error ? error : "";
        if (with_priority)
            item.priority = sqlite3_column_int64(statement, 5);
    }
    sqlite3_reset(statement);
    return items;
}

// The next max ready items: of priorities above 0 (partial index), of
// priority 0 (rowid order), then below 0; within each, oldest first.
std::vector<Item> SqliteQueue::select_ready(std::size_t max, std::int64_t now)
{
    std::vector<Item> items;
    auto const from = [&](Statement& statement, char const* where, char const* order) {
        if (items.size() >= max)
            return;
        auto* select = m_db.prepare(statement,
            fmt::format("SELECT id, data, enqueued, attempts, error, priority FROM items"
                        " WHERE {} AND ready_at <= ?1 ORDER BY {} LIMIT ?2",
                where, order)
                .c_str());
        sqlite3_bind_int64(select, 1, now);
        sqlite3_bind_int64(select, 2, limit_of(max - items.size()));
        auto more = read_items(select);
        std::move(more.begin(), more.end(), std::back_inserter(items));
    };
    // "priority != 0" lets SQLite use the partial index.
    from(m_ready_above, "priority != 0 AND priority > 0", "priority DESC, id");
    from(m_ready_zero, "priority = 0", "id");
    from(m_ready_below, "priority != 0 AND priority < 0", "priority DESC, id");
    return items;
}

std::vector<Item> SqliteQueue::lease(std::size_t max, Duration lease)
{
    return transaction(m_db, [&] {
        auto const now = now_ns();
        auto const token = next_token();
        auto items = select_ready(max, now);
        for (auto& item : items)
            ++item.attempts;
        // Within one priority the batch is every ready item from its first
        // id to its last (we hold the write lock), so one UPDATE over that
        // range marks them all, and only them.
        for (std::size_t first = 0, last; first < items.size(); first = last) {
            auto const priority = items[first].priority;
            for (last = first; last < items.size() && items[last].priority == priority;)
                items[last++].lease = token;
            auto* mark = m_db.prepare(m_mark_leased,
                "UPDATE items SET leased = ?1, attempts = attempts + 1, ready_at = ?2"
                " WHERE priority = ?3 AND id BETWEEN ?4 AND ?5 AND ready_at <= ?6");
            sqlite3_bind_int64(mark, 1, token);
            sqlite3_bind_int64(mark, 2, now + nanoseconds(lease));
            sqlite3_bind_int64(mark, 3, priority);
            sqlite3_bind_int64(mark, 4, items[first].id);
            sqlite3_bind_int64(mark, 5, items[last - 1].id);
            sqlite3_bind_int64(mark, 6, now);
            m_db.step(mark);
            if (m_db.changes() != last - first)
                throw Error(Exit::Internal,
                    fmt::format("{}: lease: marked {} items of {}", m_db.name(), m_db.changes(),
                        last - first),
                    "please report this bug");
        }
        return items;
    });
}

void SqliteQueue::extend(std::span<Id const> ids, Duration lease)
{
    transaction(m_db, [&] {
        auto* update = m_db.prepare(m_extend,
            "UPDATE items SET ready_at = ?2"
            " WHERE id IN (SELECT value FROM json_each(?1)) AND leased != 0");
        auto const json = json_ids(ids);
        bind_text(update, 1, json);
        sqlite3_bind_int64(update, 2, now_ns() + nanoseconds(lease));
        m_db.step(update);
    });
}

void SqliteQueue::ack(std::span<Item const> items)
{
    transaction(m_db, [&] {
        // One DELETE per lease (a batch usually shares one): over its id range.
        for (std::size_t first = 0, last; first < items.size(); first = last) {
            auto const token = items[first].lease;
            auto low = items[first].id, high = low;
            for (last = first; last < items.size() && items[last].lease == token; ++last) {
                low = std::min(low, items[last].id);
                high = std::max(high, items[last].id);
            }
            auto* remove = m_db.prepare(
                m_ack, "DELETE FROM items WHERE id BETWEEN ?1 AND ?2 AND leased = ?3");
            sqlite3_bind_int64(remove, 1, low);
            sqlite3_bind_int64(remove, 2, high);
            sqlite3_bind_int64(remove, 3, token);
            m_db.step(remove);
        }
    });
}

void SqliteQueue::release(Id id, std::string_view error, Duration backoff, bool dead)
{
    transaction(m_db, [&] {
        auto* update = m_db.prepare(
            m_release, "UPDATE items SET leased = 0, error = ?2, ready_at = ?3 WHERE id = ?1");
        sqlite3_bind_int64(update, 1, id);
        bind_text(update, 2, error);
        sqlite3_bind_int64(update, 3, now_ns() + nanoseconds(backoff));
        m_db.step(update);
        if (!dead)
            return;
        auto* bury = m_db.prepare(m_bury, "INSERT INTO dead SELECT * FROM items WHERE id = ?1");
        sqlite3_bind_int64(bury, 1, id);
        m_db.step(bury);
        auto* remove = m_db.prepare(m_unbury, "DELETE FROM items WHERE id = ?1");
        sqlite3_bind_int64(remove, 1, id);
        m_db.step(remove);
    });
}

std::vector<Item> SqliteQueue::peek(std::size_t max)
{
    return select_ready(max, now_ns());
}

std::vector<Item> SqliteQueue::dead(std::size_t max)
{
    auto* select = m_db.prepare(m_dead,
        "SELECT id, data, enqueued, attempts, error, priority FROM dead ORDER BY id LIMIT ?1");
    sqlite3_bind_int64(select, 1, limit_of(max));
    return read_items(select);
}

std::uint64_t SqliteQueue::retry(std::span<Id const> ids)
{
    return transaction(m_db, [&] {
        // Back under its old id: in its old place among the items of its priority.
        auto* revive = m_db.prepare(m_undead,
            "INSERT INTO items SELECT id, priority, ?1, enqueued, 0, 0, 0, error, data FROM dead"
            " WHERE ?2 OR id IN (SELECT value FROM json_each(?3))");
        auto const json = json_ids(ids);
        sqlite3_bind_int64(revive, 1, now_ns());
        sqlite3_bind_int(revive, 2, ids.empty() ? 1 : 0);
        bind_text(revive, 3, json);
        m_db.step(revive);
        auto const revived = m_db.changes();
        m_db.exec("DELETE FROM dead WHERE EXISTS (SELECT 1 FROM items WHERE items.id = dead.id)",
            "retry");
        return revived;
    });
}

std::uint64_t SqliteQueue::purge()
{
    return transaction(m_db, [&] {
        m_db.exec("DELETE FROM items", "purge");
        auto const items = m_db.changes();
        m_db.exec("DELETE FROM dead", "purge");
        return items + m_db.changes();
    });
}

Stats SqliteQueue::stats()
{
    auto* select = m_db.prepare(m_stats,
        "SELECT"
        " coalesce(sum(ready_at <= ?1), 0),"
        " coalesce(sum(leased = 0 AND ready_at > ?1), 0),"
        " coalesce(sum(leased != 0 AND ready_at > ?1), 0),"
        " (SELECT count(*) FROM dead),"
        " min(enqueued)"
        " FROM items");
    sqlite3_bind_int64(select, 1, now_ns());
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
        stats.oldest_ns = sqlite3_column_int64(select, 4);
    sqlite3_reset(select);
    return stats;
}

std::optional<std::int64_t> SqliteQueue::next_due_ns()
{
    auto* select = m_db.prepare(m_next_due, "SELECT min(ready_at) FROM items WHERE ready_at > ?1");
    sqlite3_bind_int64(select, 1, now_ns());
    m_db.step(select);
    std::optional<std::int64_t> due;
    if (sqlite3_column_type(select, 0) != SQLITE_NULL)
        due = sqlite3_column_int64(select, 0);
    sqlite3_reset(select); // A statement left running would keep the snapshot of this read.
    return due;
}

}

std::unique_ptr<Queue> open_sqlite(std::string const& name, Missing missing, Sync sync)
{
    auto path = queue_path(name);
    if (missing == Missing::Fail && ::access(path.c_str(), F_OK) != 0)
        throw Error(
            Exit::Unavailable, fmt::format("{}: no such queue", name), "see 'ipc-queue ls'");
    return std::make_unique<SqliteQueue>(name, std::move(path), sync);
}

std::vector<std::string> list_queues()
{
    auto const dir = state_dir();
    std::vector<std::string> names;
    DIR* stream = ::opendir(dir.c_str());
    if (!stream)
        throw Error(Exit::IoError, fmt::format("{}: cannot list: {}", dir, std::strerror(errno)));
    while (auto const* entry = ::readdir(stream)) {
        std::string_view const file = entry->d_name;
        if (file.size() > 3 && file.ends_with(".db")
            && is_valid_name(file.substr(0, file.size() - 3)))
            names.emplace_back(file.substr(0, file.size() - 3));
    }
    ::closedir(stream);
    std::sort(names.begin(), names.end());
    return names;
}

void remove_queue(std::string const& name)
{
    auto const path = queue_path(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            throw Error(
                Exit::Unavailable, fmt::format("{}: no such queue", name), "see 'ipc-queue ls'");
        throw Error(Exit::IoError,
            fmt::format("{}: cannot remove {}: {}", name, path, std::strerror(errno)));
    }
    ::unlink((path + "-wal").c_str());
    ::unlink((path + "-shm").c_str());
}

}
