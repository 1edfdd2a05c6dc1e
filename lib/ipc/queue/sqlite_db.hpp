#pragma once

// One SQLite connection for the queue store: every SQLite error becomes an
// ipc::Error here, and SQLITE_BUSY is waited out, never shown. Internal to the
// queue module, the only code that includes sqlite3.h (STYLE section 1.5).

#include "ipc/queue/queue.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::queue {

// A prepared statement, compiled on first use and kept for reuse.
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

class Database {
public:
    // Opens (creating) the database at path, in WAL mode with the given sync.
    // Throws Error: Usage when the file is not an SQLite database, IoError
    // when it cannot be opened or read. name is the queue's, for messages.
    Database(std::string name, std::string path, Sync sync);
    ~Database(); // Rolls back an open transaction. Finalize statements first.

    Database(Database const&) = delete;
    Database& operator=(Database const&) = delete;

    sqlite3* get() const { return m_db; }
    std::string const& name() const { return m_name; }
    std::string const& path() const { return m_path; }

    // Throws the ipc::Error for rc, which is not OK, ROW or DONE.
    [[noreturn]] void fail(int rc, std::string_view doing) const;
    void check(int rc, std::string_view doing) const
    {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            fail(rc, doing);
    }

    // Runs sql (no results), retrying while another process holds the lock.
    void exec(char const* sql, std::string_view doing);
    // Compiles statement on first use; resets it and clears its bindings.
    sqlite3_stmt* prepare(Statement& statement, char const* sql);
    // One step: SQLITE_ROW or SQLITE_DONE; anything else resets and throws.
    int step(sqlite3_stmt* statement);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::uint64_t changes() const { return static_cast<std::uint64_t>(sqlite3_changes64(m_db)); }

    // A write transaction: BEGIN IMMEDIATE takes the write lock at once, so
    // a transaction never fails half-way on a lock upgrade.
    void begin();
    void commit();
    void rollback() noexcept;
    bool in_transaction() const { return m_in_transaction; }

private:
    void close() noexcept;

    std::string m_name;
    std::string m_path;
    sqlite3* m_db = nullptr;
    bool m_in_transaction = false;
};

// Runs body in a write transaction of db, rolling back when it throws.
template<typename Body> auto transaction(Database& db, Body body)
{
    db.begin();
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            db.commit();
        } else {
            auto result = body();
            db.commit();
            return result;
        }
    } catch (...) {
        db.rollback();
        throw;
    }
}

}
