// Writers take the lock with BEGIN IMMEDIATE, so a transaction never fails
// half-way on a lock upgrade; waiting for the lock is SQLite's busy handler,
// plus a retry loop for the rare BUSY it gives up on. Readers never block in WAL.

#include "ipc/queue/sqlite_store.hpp"

#include "ipc/core/error.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <unistd.h>

namespace ipc::queue {

namespace {

constexpr int schema_version = 1;
constexpr int application_id = 0x69706371; // "ipcq": marks our databases.
constexpr int busy_timeout_ms = 2000;
constexpr int busy_rounds = 60; // With the timeout: give up after about two minutes.

constexpr char const* schema = R"(
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    priority INTEGER NOT NULL DEFAULT 0,
    ready_at INTEGER NOT NULL,
    enqueued INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state INTEGER NOT NULL DEFAULT 0,
    leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    data BLOB NOT NULL);
CREATE INDEX items_order ON items (state, priority DESC, id);
CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
)";

// Items in state 0 wait (ready, delayed or leased, by ready_at and leased); state 1 is dead.
constexpr int state_dead = 1;

std::int64_t nanoseconds(Duration duration)
{
    return duration.count();
}

class Statement {
public:
    Statement() = default;
    Statement(Statement const&) = delete;
    Statement& operator=(Statement const&) = delete;
    ~Statement() { sqlite3_finalize(m_statement); }

    sqlite3_stmt* get() const { return m_statement; }
    sqlite3_stmt** out() { return &m_statement; }

private:
    sqlite3_stmt* m_statement = nullptr;
};

class SqliteQueue final : public Queue {
public:
    SqliteQueue(std::string name, std::string path, Sync sync);
    ~SqliteQueue() override;

    void begin() override;
    void add(std::string_view data, PushOptions const& options) override;
    bool claim_key(std::string_view key, Duration window) override;
    void commit() override;
    void rollback() noexcept override;

    std::vector<Item> lease(std::size_t max, Duration lease) override;
    void extend(std::span<Id const> ids, Duration lease) override;
    void ack(std::span<Id const> ids) override;
    void release(Id id, std::string_view error, Duration backoff, bool dead) override;

    std::vector<Item> peek(std::size_t max) override;
    std::vector<Item> dead(std::size_t max) override;
    std::uint64_t retry(std::span<Id const> ids) override;
    std::uint64_t purge() override;
    Stats stats() override;
    std::optional<std::int64_t> next_due_ns() override;

private:
    [[noreturn]] void fail(int rc, std::string_view doing) const;
    void check(int rc, std::string_view doing) const
    {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            fail(rc, doing);
    }
    void exec(char const* sql);
    sqlite3_stmt* prepare(Statement& statement, char const* sql);
    int step(sqlite3_stmt* statement);
    void run(sqlite3_stmt* statement) { step(statement); }
    void open_schema();
    std::vector<Item> read_items(sqlite3_stmt* statement);

    std::string m_name;
    std::string m_path;
    sqlite3* m_db = nullptr;
    bool m_in_transaction = false;
    Statement m_insert, m_select_ready, m_mark_leased, m_delete, m_key_get, m_key_put;
};

// Runs a write transaction, rolling back when body throws.
template<typename Body> auto transaction(Queue& queue, Body body)
{
    queue.begin();
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            queue.commit();
        } else {
            auto result = body();
            queue.commit();
            return result;
        }
    } catch (...) {
        queue.rollback();
        throw;
    }
}

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
    : m_name(std::move(name))
    , m_path(std::move(path))
{
    int const rc = sqlite3_open_v2(m_path.c_str(), &m_db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_close(m_db); // Even a failed open allocates a handle.
        m_db = nullptr;
        throw Error(Exit::IoError,
            fmt::format("{}: cannot open {}: {}", m_name, m_path, sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(m_db, busy_timeout_ms);
    try {
        open_schema();
        exec(sync == Sync::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

SqliteQueue::~SqliteQueue()
{
    if (m_in_transaction)
        rollback();
    for (auto* statement :
        { &m_insert, &m_select_ready, &m_mark_leased, &m_delete, &m_key_get, &m_key_put }) {
        sqlite3_finalize(statement->get());
        *statement->out() = nullptr;
    }
    sqlite3_close(m_db);
}

void SqliteQueue::fail(int rc, std::string_view doing) const
{
    int const primary = rc & 0xFF;
    auto const detail = m_db ? std::string(sqlite3_errmsg(m_db)) : std::string(sqlite3_errstr(rc));
    switch (primary) {
    case SQLITE_NOTADB:
        throw Error(Exit::Usage, fmt::format("{}: {} is not a queue database", m_name, m_path),
            "remove it, or use another queue name");
    case SQLITE_CORRUPT:
        throw Error(Exit::IoError, fmt::format("{}: {} is corrupt", m_name, m_path),
            "remove it with 'ipc-queue rm', or restore it from a backup");
    case SQLITE_FULL:
        throw Error(Exit::IoError, fmt::format("{}: {}: the disk is full", m_name, doing),
            "nothing of this batch was stored");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw Error(Exit::TempFail, fmt::format("{}: {}: the queue stayed busy", m_name, doing),
            "try again");
    default:
        throw Error(Exit::IoError, fmt::format("{}: {}: {}", m_name, doing, detail));
    }
}

void SqliteQueue::exec(char const* sql)
{
    for (int round = 0;; ++round) {
        int const rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
        if ((rc & 0xFF) == SQLITE_BUSY && round < busy_rounds)
            continue;
        check(rc, "open");
        return;
    }
}

sqlite3_stmt* SqliteQueue::prepare(Statement& statement, char const* sql)
{
    if (!statement.get())
        check(
            sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, statement.out(), nullptr),
            "prepare");
    sqlite3_reset(statement.get());
    sqlite3_clear_bindings(statement.get());
    return statement.get();
}

int SqliteQueue::step(sqlite3_stmt* statement)
{
    int const rc = sqlite3_step(statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(statement);
        fail(rc, "write");
    }
    return rc;
}

void SqliteQueue::open_schema()
{
    // WAL is persistent, and switching needs no transaction; it also fails
    // first, with SQLITE_NOTADB, on a file that is not a database.
    exec("PRAGMA journal_mode=WAL");
    begin();
    try {
        Statement query;
        check(sqlite3_prepare_v2(m_db,
                  "SELECT (SELECT user_version FROM pragma_user_version),"
                  " (SELECT application_id FROM pragma_application_id),"
                  " (SELECT count(*) FROM sqlite_schema)",
                  -1, query.out(), nullptr),
            "open");
        check(sqlite3_step(query.get()), "open");
        int const version = sqlite3_column_int(query.get(), 0);
        int const id = sqlite3_column_int(query.get(), 1);
        int const objects = sqlite3_column_int(query.get(), 2);
        if (version == 0 && id == 0 && objects == 0) {
            check(sqlite3_exec(m_db, schema, nullptr, nullptr, nullptr), "create");
            exec(fmt::format("PRAGMA application_id={}", application_id).c_str());
            exec(fmt::format("PRAGMA user_version={}", schema_version).c_str());
        } else if (id != application_id) {
            throw Error(Exit::Usage, fmt::format("{}: {} is not a queue database", m_name, m_path),
                "remove it, or use another queue name");
        } else if (version != schema_version) {
            throw Error(Exit::Usage,
                fmt::format("{}: {} has schema version {}, this ipckit knows {}", m_name, m_path,
                    version, schema_version),
                "use the ipckit that made it");
        }
        commit();
    } catch (...) {
        rollback();
        throw;
    }
}

void SqliteQueue::begin()
{
    // The busy handler waits busy_timeout_ms per round; a BUSY after that
    // (another writer held the lock all along) is retried, not reported.
    for (int round = 0;; ++round) {
        int const rc = sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK)
            break;
        if ((rc & 0xFF) != SQLITE_BUSY || round >= busy_rounds)
            fail(rc, "begin");
    }
    m_in_transaction = true;
}

void SqliteQueue::commit()
{
    for (int round = 0;; ++round) {
        int const rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK)
            break;
        if ((rc & 0xFF) != SQLITE_BUSY || round >= busy_rounds)
            fail(rc, "commit");
    }
    m_in_transaction = false;
}

void SqliteQueue::rollback() noexcept
{
    if (sqlite3_get_autocommit(m_db) == 0)
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_in_transaction = false;
}

void SqliteQueue::add(std::string_view data, PushOptions const& options)
{
    auto* insert = prepare(
        m_insert, "INSERT INTO items (priority, ready_at, enqueued, data) VALUES (?1, ?2, ?3, ?4)");
    auto const now = now_ns();
    sqlite3_bind_int64(insert, 1, options.priority);
    sqlite3_bind_int64(insert, 2, now + nanoseconds(options.delay));
    sqlite3_bind_int64(insert, 3, now);
    sqlite3_bind_blob64(insert, 4, data.empty() ? "" : data.data(), data.size(), SQLITE_STATIC);
    run(insert);
}

bool SqliteQueue::claim_key(std::string_view key, Duration window)
{
    auto const now = now_ns();
    auto* get = prepare(m_key_get, "SELECT expires FROM keys WHERE key = ?1");
    sqlite3_bind_text64(get, 1, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (step(get) == SQLITE_ROW && sqlite3_column_int64(get, 0) > now)
        return false;
    sqlite3_reset(get);
    auto* put = prepare(m_key_put, "INSERT OR REPLACE INTO keys (key, expires) VALUES (?1, ?2)");
    sqlite3_bind_text64(put, 1, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_int64(put, 2, now + nanoseconds(window));
    run(put);
    Statement sweep; // Old keys go, so the table stays as small as the window.
    check(
        sqlite3_prepare_v2(m_db, "DELETE FROM keys WHERE expires <= ?1", -1, sweep.out(), nullptr),
        "prepare");
    sqlite3_bind_int64(sweep.get(), 1, now);
    run(sweep.get());
    return true;
}

std::vector<Item> SqliteQueue::read_items(sqlite3_stmt* statement)
{
    std::vector<Item> items;
    while (step(statement) == SQLITE_ROW) {
        Item item;
        item.id = sqlite3_column_int64(statement, 0);
        auto const* data = static_cast<char const*>(sqlite3_column_blob(statement, 1));
        item.data.assign(
            data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, 1)));
        item.enqueued_ns = sqlite3_column_int64(statement, 2);
        item.attempts = sqlite3_column_int64(statement, 3);
        auto const* error = reinterpret_cast<char const*>(sqlite3_column_text(statement, 4));
        item.error = error ? error : "";
        items.push_back(std::move(item));
    }
    sqlite3_reset(statement);
    return items;
}

std::vector<Item> SqliteQueue::lease(std::size_t max, Duration lease)
{
    return transaction(*this, [&] {
        auto const now = now_ns();
        auto* select = prepare(m_select_ready,
            "SELECT id, data, enqueued, attempts + 1, error FROM items"
            " WHERE state = 0 AND ready_at <= ?1 ORDER BY priority DESC, id LIMIT ?2");
        sqlite3_bind_int64(select, 1, now);
        sqlite3_bind_int64(
            select, 2, static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX)));
        auto items = read_items(select);
        for (auto const& item : items) {
            auto* mark = prepare(m_mark_leased,
                "UPDATE items SET leased = 1, attempts = attempts + 1, ready_at = ?2 WHERE id = "
                "?1");
            sqlite3_bind_int64(mark, 1, item.id);
            sqlite3_bind_int64(mark, 2, now + nanoseconds(lease));
            run(mark);
        }
        return items;
    });
}

void SqliteQueue::extend(std::span<Id const> ids, Duration lease)
{
    transaction(*this, [&] {
        Statement update;
        check(sqlite3_prepare_v2(m_db,
                  "UPDATE items SET ready_at = ?2 WHERE id = ?1 AND state = 0 AND leased = 1", -1,
                  update.out(), nullptr),
            "prepare");
        for (auto const id : ids) {
            sqlite3_reset(update.get());
            sqlite3_bind_int64(update.get(), 1, id);
            sqlite3_bind_int64(update.get(), 2, now_ns() + nanoseconds(lease));
            run(update.get());
        }
    });
}

void SqliteQueue::ack(std::span<Id const> ids)
{
    transaction(*this, [&] {
        for (auto const id : ids) {
            auto* remove = prepare(m_delete, "DELETE FROM items WHERE id = ?1");
            sqlite3_bind_int64(remove, 1, id);
            run(remove);
        }
    });
}

void SqliteQueue::release(Id id, std::string_view error, Duration backoff, bool dead)
{
    transaction(*this, [&] {
        Statement update;
        check(
            sqlite3_prepare_v2(m_db,
                "UPDATE items SET leased = 0, state = ?2, error = ?3, ready_at = ?4 WHERE id = ?1",
                -1, update.out(), nullptr),
            "prepare");
        sqlite3_bind_int64(update.get(), 1, id);
        sqlite3_bind_int(update.get(), 2, dead ? state_dead : 0);
        sqlite3_bind_text64(
            update.get(), 3, error.data(), error.size(), SQLITE_STATIC, SQLITE_UTF8);
        sqlite3_bind_int64(update.get(), 4, now_ns() + nanoseconds(backoff));
        run(update.get());
    });
}

std::vector<Item> SqliteQueue::peek(std::size_t max)
{
    Statement select;
    check(sqlite3_prepare_v2(m_db,
              "SELECT id, data, enqueued, attempts, error FROM items"
              " WHERE state = 0 AND ready_at <= ?1 ORDER BY priority DESC, id LIMIT ?2",
              -1, select.out(), nullptr),
        "prepare");
    sqlite3_bind_int64(select.get(), 1, now_ns());
    sqlite3_bind_int64(
        select.get(), 2, static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX)));
    return read_items(select.get());
}

std::vector<Item> SqliteQueue::dead(std::size_t max)
{
    Statement select;
    check(sqlite3_prepare_v2(m_db,
              "SELECT id, data, enqueued, attempts, error FROM items WHERE state = 1"
              " ORDER BY id LIMIT ?1",
              -1, select.out(), nullptr),
        "prepare");
    sqlite3_bind_int64(
        select.get(), 1, static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX)));
    return read_items(select.get());
}

std::uint64_t SqliteQueue::retry(std::span<Id const> ids)
{
    return transaction(*this, [&] {
        Statement update;
        check(sqlite3_prepare_v2(m_db,
                  "UPDATE items SET state = 0, leased = 0, attempts = 0, ready_at = ?1"
                  " WHERE state = 1 AND (?2 OR id = ?3)",
                  -1, update.out(), nullptr),
            "prepare");
        std::uint64_t changed = 0;
        auto const once = [&](bool all, Id id) {
            sqlite3_reset(update.get());
            sqlite3_bind_int64(update.get(), 1, now_ns());
            sqlite3_bind_int(update.get(), 2, all ? 1 : 0);
            sqlite3_bind_int64(update.get(), 3, id);
            run(update.get());
            changed += static_cast<std::uint64_t>(sqlite3_changes64(m_db));
        };
        if (ids.empty())
            once(true, 0);
        for (auto const id : ids)
            once(false, id);
        return changed;
    });
}

std::uint64_t SqliteQueue::purge()
{
    return transaction(*this, [&] {
        exec("DELETE FROM items");
        return static_cast<std::uint64_t>(sqlite3_changes64(m_db));
    });
}

Stats SqliteQueue::stats()
{
    Statement select;
    check(sqlite3_prepare_v2(m_db,
              "SELECT"
              " coalesce(sum(state = 0 AND ready_at <= ?1), 0),"
              " coalesce(sum(state = 0 AND leased = 0 AND ready_at > ?1), 0),"
              " coalesce(sum(state = 0 AND leased = 1 AND ready_at > ?1), 0),"
              " coalesce(sum(state = 1), 0),"
              " min(CASE WHEN state = 0 THEN enqueued END)"
              " FROM items",
              -1, select.out(), nullptr),
        "prepare");
    sqlite3_bind_int64(select.get(), 1, now_ns());
    step(select.get());
    Stats stats;
    auto const column = [&](int index) {
        return static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), index));
    };
    stats.ready = column(0);
    stats.delayed = column(1);
    stats.leased = column(2);
    stats.dead = column(3);
    if (sqlite3_column_type(select.get(), 4) != SQLITE_NULL)
        stats.oldest_ns = sqlite3_column_int64(select.get(), 4);
    return stats;
}

std::optional<std::int64_t> SqliteQueue::next_due_ns()
{
    Statement select;
    check(sqlite3_prepare_v2(m_db,
              "SELECT min(ready_at) FROM items WHERE state = 0 AND ready_at > ?1", -1, select.out(),
              nullptr),
        "prepare");
    sqlite3_bind_int64(select.get(), 1, now_ns());
    step(select.get());
    if (sqlite3_column_type(select.get(), 0) == SQLITE_NULL)
        return std::nullopt;
    return sqlite3_column_int64(select.get(), 0);
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
