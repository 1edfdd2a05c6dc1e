#pragma once

// The rows of a chunk table (`items` or `dead`; chunk.hpp), read and
// written whole, and split where a statement over a range of item ids must
// act on whole chunks. Internal to the queue module.

#include "ipc/queue/sqlite_db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ipc::queue {

struct Chunk {
    Id id = 0; // Its first item's; its items are id .. id + count - 1.
    std::int64_t count = 0;
    std::int64_t priority = 0;
    std::int64_t ready_at = 0; // Unix ns, or 0: ready (sqlite_schema.hpp).
    std::int64_t enqueued = 0;
    std::int64_t attempts = 0;
    std::int64_t leased = 0; // The lease's token, or 0.
    std::string error;
    std::string ends; // chunk.hpp
    std::string data;
};

// The columns of a chunk table, in the order ChunkTable::read() takes them.
inline constexpr char const* chunk_columns
    = "id, count, priority, ready_at, enqueued, attempts, leased, error, ends, data";

class ChunkTable {
public:
    ChunkTable(Database& db, std::string table);

    // Reads the current row of statement, which selects chunk_columns.
    static Chunk read(sqlite3_stmt* statement);
    // Steps statement (selecting chunk_columns), calling each(Chunk&&) per
    // row until it returns false; resets it.
    template<typename Each> void scan(sqlite3_stmt* statement, Each each)
    {
        try {
            while (m_db.step(statement) == SQLITE_ROW && each(read(statement))) { }
        } catch (...) {
            sqlite3_reset(statement); // Else the read would keep its snapshot.
            throw;
        }
        sqlite3_reset(statement);
    }

    void insert(Chunk const& chunk);
    // Appends chunk's items, with its state, to out. Throws Error(IoError)
    // when the chunk is corrupt.
    void append_items(Chunk const& chunk, std::vector<Item>& out);
    // Makes a chunk start at item id, splitting the one that holds it.
    void split(Id id);
    // Splits so that the items lo..hi are whole chunks.
    void isolate(Id lo, Id hi)
    {
        split(lo);
        split(hi + 1);
    }

    // Leaves the first count items of chunk in its row (and in chunk) and
    // gives the rest a row of their own.
    void split_off(Chunk& chunk, std::int64_t count);

private:
    std::vector<std::uint32_t> const& ends_of(Chunk const& chunk);

    Database& m_db;
    std::string m_table;
    std::string m_insert_sql, m_holder_sql, m_row_sql, m_cut_sql;
    Statement m_insert, m_holder, m_row, m_cut;
    std::vector<std::uint32_t> m_ends; // Scratch for ends_of().
};

}
