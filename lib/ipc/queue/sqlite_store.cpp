// The queue over one Database. Items are stored in chunks (chunk.hpp): a
// push writes a chunk per run of up to chunk_items items; a lease takes whole
// chunks, splitting the last one when it holds more than asked for, and marks
// them with a token unique to the lease; an ack deletes the chunks of its
// id range that still carry the token. Anything that acts on some items of a
// chunk splits it first (ChunkTable::isolate). Dead items live in a table of
// their own (sqlite_schema.hpp).

#include "ipc/queue/sqlite_store.hpp"

#include "ipc/core/error.hpp"
#include "ipc/io/fd.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/chunk.hpp"
#include "ipc/queue/sqlite_chunks.hpp"
#include "ipc/queue/sqlite_db.hpp"
#include "ipc/queue/sqlite_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <iterator>
#include <optional>
#include <random>
#include <unistd.h>

namespace ipc::queue {

namespace {

// Items wait ready, delayed, or leased: leased is then the lease's token,
// never 0, and ready_at when the lease runs out.

std::int64_t nanoseconds(Duration duration)
{
    return duration.count();
}

// Activity is counted per bucket of this length; the rates of stat are over
// the last window_buckets of them and the current one.
constexpr std::int64_t bucket_ns = 10'000'000'000;
constexpr std::int64_t window_buckets = 6;

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

// Holds key for this process, so that two pushes under one key never run at
// once: an open file description lock, which the kernel drops when the
// process ends however it ends, on one byte of the database file far past
// those SQLite locks, chosen by the key's FNV-1a hash. Returns no fd when
// another process holds it.
io::Fd lock_key(std::string const& path, std::string_view key)
{
    std::uint64_t hash = 0xcbf2'9ce4'8422'2325;
    for (char const byte : key)
        hash = (hash ^ static_cast<unsigned char>(byte)) * 0x100'0000'01b3;
    io::Fd fd { static_cast<int>(
        sys::check(::open(path.c_str(), O_RDWR | O_CLOEXEC), "open", path)) };
    struct flock lock { };
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start
        = static_cast<off_t>((std::uint64_t { 1 } << 40) + hash % (std::uint64_t { 1 } << 30));
    lock.l_len = 1;
    if (::fcntl(fd.get(), F_OFD_SETLK, &lock) == 0)
        return fd;
    if (errno != EAGAIN && errno != EACCES)
        sys::check(-1, "lock", path);
    return {};
}

std::vector<Id> sorted(std::span<Id const> ids)
{
    std::vector<Id> out(ids.begin(), ids.end());
    std::sort(out.begin(), out.end());
    return out;
}

class SqliteQueue final : public Queue {
public:
    SqliteQueue(std::string name, std::string path, Sync sync, Clock& clock);
    ~SqliteQueue() override = default;

    void begin() override;
    void add(std::string_view data, PushOptions const& options) override;
    void commit() override;
    void rollback() noexcept override;
    KeyClaim claim_key(std::string_view key, Duration window) override;
    void finish_key() override;

    std::vector<Item> lease(std::size_t max, Duration lease) override;
    std::uint64_t extend(std::span<Item const> items, Duration lease) override;
    std::uint64_t ack(std::span<Item const> items) override;
    std::uint64_t release(
        std::span<Item const> items, std::string_view error, Duration backoff, Fate fate) override;

    std::vector<Item> peek(std::size_t max) override;
    std::vector<Item> dead(std::size_t max) override;
    std::uint64_t retry(std::span<Id const> ids) override;
    std::uint64_t purge() override;
    Stats stats() override;
    std::optional<Duration> next_due() override;

private:
    std::int64_t now_ns() { return m_clock.now_ns(); }
    void insert_pending();
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
    Statement m_next_get, m_next_put, m_key_get, m_key_put, m_key_sweep, m_key_count, m_key_done,
        m_ready_above, m_ready_zero, m_ready_below, m_mark_leased, m_ack, m_extend, m_release,
        m_bury, m_unbury, m_dead_list, m_undead, m_stats, m_rates, m_next_due, m_record, m_prune;
    // Items added but not inserted yet: one chunk being made, and the
    // options its items share.
    Chunk m_pending;
    PushOptions m_pending_options;
    std::optional<Id> m_next_id; // Within a push's transaction: the next item's id.
    std::uint64_t m_pushed = 0; // Items inserted by the transaction, for `activity`.
    std::string m_key; // The key claimed, if any,
    io::Fd m_key_lock; // and its lock (lock_key()).
};

}

std::string queue_path(std::string const& name)
{
    return fmt::format("{}/{}.db", state_dir(), name);
}

namespace {

SqliteQueue::SqliteQueue(std::string name, std::string path, Sync sync, Clock& clock)
    : m_clock(clock)
    , m_db(std::move(name), std::move(path), sync)
    , m_items(m_db, "items")
    , m_dead(m_db, "dead")
{
    transaction(m_db, [&] { open_schema(m_db); });
}

void SqliteQueue::begin()
{
    m_next_id.reset(); // Other processes may have pushed since.
    m_pushed = 0;
    m_db.begin();
}

void SqliteQueue::add(std::string_view data, PushOptions const& options)
{
    if (m_pending.count > 0
        && (options.delay != m_pending_options.delay
            || options.priority != m_pending_options.priority
            || m_pending.data.size() + data.size() > chunk_bytes))
        insert_pending();
    m_pending_options = options;
    m_pending.data.append(data);
    append_end(m_pending.ends, static_cast<std::uint32_t>(m_pending.data.size()));
    if (++m_pending.count == chunk_items || m_pending.data.size() >= chunk_bytes)
        insert_pending();
}

void SqliteQueue::insert_pending()
{
    if (m_pending.count == 0)
        return;
    if (!m_next_id) {
        auto* get = m_db.prepare(m_next_get, "SELECT id FROM next_id");
        if (m_db.step(get) != SQLITE_ROW)
            m_db.fail(SQLITE_CORRUPT, "next id");
        m_next_id = sqlite3_column_int64(get, 0);
        sqlite3_reset(get);
    }
    auto const now = now_ns();
    m_pending.id = *m_next_id;
    m_pending.priority = m_pending_options.priority;
    m_pending.ready_at = now + nanoseconds(m_pending_options.delay);
    m_pending.enqueued = now;
    m_items.insert(m_pending);
    *m_next_id += m_pending.count;
    auto* put = m_db.prepare(m_next_put, "UPDATE next_id SET id = ?1");
    sqlite3_bind_int64(put, 1, *m_next_id);
    m_db.step(put);
    m_pushed += static_cast<std::uint64_t>(m_pending.count);
    m_pending.count = 0;
    m_pending.ends.clear();
    m_pending.data.clear();
}

void SqliteQueue::record(std::uint64_t pushed, std::uint64_t done)
{
    auto const bucket = now_ns() / bucket_ns;
    auto* count = m_db.prepare(m_record,
        "INSERT INTO activity (bucket, pushed, done) VALUES (?1, ?2, ?3) ON CONFLICT (bucket)"
        " DO UPDATE SET pushed = pushed + excluded.pushed, done = done + excluded.done");
    sqlite3_bind_int64(count, 1, bucket);
    sqlite3_bind_int64(count, 2, static_cast<std::int64_t>(pushed));
    sqlite3_bind_int64(count, 3, static_cast<std::int64_t>(done));
    m_db.step(count);
    auto* prune = m_db.prepare(m_prune, "DELETE FROM activity WHERE bucket < ?1");
    sqlite3_bind_int64(prune, 1, bucket - window_buckets);
    m_db.step(prune);
}

void SqliteQueue::commit()
{
    insert_pending();
    if (m_pushed != 0 && !m_key.empty()) {
        auto* count
            = m_db.prepare(m_key_count, "UPDATE keys SET stored = stored + ?2 WHERE key = ?1");
        bind_text(count, 1, m_key);
        sqlite3_bind_int64(count, 2, static_cast<std::int64_t>(m_pushed));
        m_db.step(count);
    }
    if (m_pushed != 0)
        record(m_pushed, 0);
    m_pushed = 0;
    m_db.commit();
    m_next_id.reset();
}

void SqliteQueue::rollback() noexcept
{
    m_pending.count = 0;
    m_pending.ends.clear();
    m_pending.data.clear();
    m_next_id.reset();
    m_pushed = 0;
    m_db.rollback();
}

KeyClaim SqliteQueue::claim_key(std::string_view key, Duration window)
{
    auto lock = lock_key(m_db.path(), key);
    if (!lock)
        return { .status = KeyClaim::Status::Busy };
    auto const claim = transaction(m_db, [&] {
        auto const now = now_ns();
        // Old keys go first, so the table stays as small as the window.
        auto* sweep = m_db.prepare(m_key_sweep, "DELETE FROM keys WHERE expires <= ?1");
        sqlite3_bind_int64(sweep, 1, now);
        m_db.step(sweep);
        auto* get = m_db.prepare(m_key_get, "SELECT stored, done FROM keys WHERE key = ?1");
        bind_text(get, 1, key);
        if (m_db.step(get) == SQLITE_ROW) {
            KeyClaim found { .status = sqlite3_column_int64(get, 1) != 0
                    ? KeyClaim::Status::Done
                    : KeyClaim::Status::Claimed,
                .stored = static_cast<std::uint64_t>(sqlite3_column_int64(get, 0)) };
            sqlite3_reset(get);
            return found;
        }
        auto* put = m_db.prepare(
            m_key_put, "INSERT INTO keys (key, expires, stored, done) VALUES (?1, ?2, 0, 0)");
        bind_text(put, 1, key);
        sqlite3_bind_int64(put, 2, now + nanoseconds(window));
        m_db.step(put);
        return KeyClaim {};
    });
    if (claim.status == KeyClaim::Status::Claimed) {
        m_key = key;
        m_key_lock = std::move(lock);
    }
    return claim;
}

void SqliteQueue::finish_key()
{
    auto* done = m_db.prepare(m_key_done, "UPDATE keys SET done = 1 WHERE key = ?1");
    bind_text(done, 1, m_key);
    m_db.step(done);
}

// Calls each(Chunk&&) for the ready chunks in the order their items are due
// until it returns false: priorities above 0 (partial index), priority 0
// (rowid order), then below 0; within each, oldest first.
template<typename Each> void SqliteQueue::scan_ready(std::int64_t now, Each each)
{
    bool more = true;
    auto const from = [&](Statement& statement, char const* where, char const* order) {
        if (!more)
            return;
        auto* select = m_db.prepare(statement,
            fmt::format("SELECT {} FROM items WHERE {} AND ready_at <= ?1 ORDER BY {}",
                chunk_columns, where, order)
                .c_str());
        sqlite3_bind_int64(select, 1, now);
        m_items.scan(select, [&](Chunk&& chunk) { return more = each(std::move(chunk)); });
    };
    // "priority != 0" lets SQLite use the partial index.
    from(m_ready_above, "priority != 0 AND priority > 0", "priority DESC, id");
    from(m_ready_zero, "priority = 0", "id");
    from(m_ready_below, "priority != 0 AND priority < 0", "priority DESC, id");
}

std::vector<Item> SqliteQueue::lease(std::size_t max, Duration lease)
{
    if (max == 0)
        return {};
    return transaction(m_db, [&] {
        auto const now = now_ns();
        auto const token = next_token();
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
        auto const ready_at = now_ns() + nanoseconds(backoff);
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
            "INSERT INTO items SELECT id, count, priority, ?2, enqueued, 0, 0, error, ends, data"
            " FROM dead WHERE ?1 = '[]' OR id IN (SELECT value FROM json_each(?1))");
        bind_text(revive, 1, json);
        sqlite3_bind_int64(revive, 2, now_ns());
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

std::unique_ptr<Queue> open_sqlite(
    std::string const& name, Missing missing, Sync sync, Clock& clock)
{
    auto path = queue_path(name);
    if (missing == Missing::Fail && ::access(path.c_str(), F_OK) != 0)
        throw Error(
            Exit::Unavailable, fmt::format("{}: no such queue", name), "see 'ipc-queue ls'");
    return std::make_unique<SqliteQueue>(name, std::move(path), sync, clock);
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
