// Waiting for the lock is our busy handler (busy_timeout_ms per round),
// plus a retry loop for the rare BUSY it gives up on. Readers never block in WAL.

#include "ipc/queue/sqlite_db.hpp"

#include "ipc/core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <mutex>

namespace ipc::queue {

namespace {

constexpr int busy_timeout_ms = 2000;
constexpr int busy_rounds = 60; // With the timeout: give up after about two minutes.
// Pages kept in memory per connection (negative: KiB): a batch of a push
// touches the same few index and table pages again and again.
constexpr char const* cache_size = "PRAGMA cache_size=-16384";

// The busy handler: tries again every millisecond, for busy_timeout_ms.
// SQLite's own (sqlite3_busy_timeout) sleeps 1, 2, 5, ... then 100 ms
// between tries, so a lock freed just after a waiter fell asleep could stay
// unused for up to 100 ms while producers and consumers queue for it.
int wait_busy(void*, int tries)
{
    if (tries >= busy_timeout_ms)
        return 0;
    sqlite3_sleep(1);
    return 1;
}

// Once per process, before the first connection.
void configure() noexcept
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Memory statistics take a global mutex around every allocation; we
        // never read them.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        // A file-size limit (ulimit -f) must fail the write with EFBIG, which
        // SQLite reports and we turn into exit 74, not kill us with SIGXFSZ
        // half-way. io::Child restores the default for handlers.
        std::signal(SIGXFSZ, SIG_IGN);
    });
}

// The errno of the last failed write (or read) of the WAL, else of the
// database file: SQLite keeps one per file, where sqlite3_system_errno()
// often says 0.
int last_errno(sqlite3* db)
{
    if (!db)
        return 0;
    int error = 0;
    sqlite3_file* wal = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) == SQLITE_OK && wal
        && wal->pMethods)
        wal->pMethods->xFileControl(wal, SQLITE_FCNTL_LAST_ERRNO, &error);
    if (error == 0)
        sqlite3_file_control(db, "main", SQLITE_FCNTL_LAST_ERRNO, &error);
    return error;
}

}

Database::Database(std::string name, std::string path, Sync sync)
    : m_name(std::move(name))
    , m_path(std::move(path))
{
    configure();
    int const rc = sqlite3_open_v2(m_path.c_str(), &m_db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_close(m_db); // Even a failed open allocates a handle.
        m_db = nullptr;
        throw Error(Exit::IoError,
            fmt::format("{}: cannot open {}: {}", m_name, m_path, sqlite3_errstr(rc)));
    }
    sqlite3_busy_handler(m_db, wait_busy, nullptr);
    try {
        // WAL is persistent, and switching needs no transaction; it also fails
        // first, with SQLITE_NOTADB, on a file that is not a database.
        exec("PRAGMA journal_mode=WAL", "open");
        exec(sync == Sync::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "open");
        exec(cache_size, "open");
        exec("PRAGMA temp_store=MEMORY", "open");
    } catch (...) {
        close();
        throw;
    }
}

Database::~Database()
{
    if (m_in_transaction)
        rollback();
    close();
}

void Database::close() noexcept
{
    sqlite3_close(m_db);
    m_db = nullptr;
}

void Database::fail(int rc, std::string_view doing) const
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
    case SQLITE_IOERR:
        if (last_errno(m_db) == EFBIG)
            throw Error(Exit::IoError,
                fmt::format("{}: {}: file size limit reached", m_name, doing),
                "raise 'ulimit -f'; nothing of this batch was stored");
        throw Error(Exit::IoError, fmt::format("{}: {}: {}", m_name, doing, detail));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw Error(Exit::TempFail, fmt::format("{}: {}: the queue stayed busy", m_name, doing),
            "try again");
    default:
        throw Error(Exit::IoError, fmt::format("{}: {}: {}", m_name, doing, detail));
    }
}

void Database::exec(char const* sql, std::string_view doing)
{
    for (int round = 0;; ++round) {
        int const rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
        if ((rc & 0xFF) == SQLITE_BUSY && round < busy_rounds)
            continue;
        check(rc, doing);
        return;
    }
}

sqlite3_stmt* Database::prepare(Statement& statement, char const* sql)
{
    if (!statement.get())
        check(
            sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, statement.out(), nullptr),
            "prepare");
    sqlite3_reset(statement.get());
    sqlite3_clear_bindings(statement.get());
    return statement.get();
}

int Database::step(sqlite3_stmt* statement)
{
    int const rc = sqlite3_step(statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(statement);
        fail(rc, "write");
    }
    return rc;
}

void Database::begin()
{
    exec("BEGIN IMMEDIATE", "begin");
    m_in_transaction = true;
}

void Database::commit()
{
    exec("COMMIT", "commit");
    m_in_transaction = false;
}

void Database::rollback() noexcept
{
    if (m_db && sqlite3_get_autocommit(m_db) == 0)
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_in_transaction = false;
}

}
