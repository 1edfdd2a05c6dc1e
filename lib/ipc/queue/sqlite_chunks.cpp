#include "ipc/queue/sqlite_chunks.hpp"

#include "ipc/queue/chunk.hpp"

#include <fmt/format.h>

#include <optional>

namespace ipc::queue {

namespace {

std::string blob(sqlite3_stmt* statement, int column)
{
    auto const* data = static_cast<char const*>(sqlite3_column_blob(statement, column));
    return { data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, column)) };
}

// SQLITE_TRANSIENT: the chunk may go before the statement runs again.
void bind_blob(sqlite3_stmt* statement, int index, std::string_view bytes)
{
    sqlite3_bind_blob64(
        statement, index, bytes.empty() ? "" : bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

}

ChunkTable::ChunkTable(Database& db, std::string table)
    : m_db(db)
    , m_table(std::move(table))
    , m_insert_sql(
          fmt::format("INSERT INTO {} ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
              m_table, chunk_columns))
    , m_holder_sql(
          fmt::format("SELECT id, count FROM {} WHERE id < ?1 ORDER BY id DESC LIMIT 1", m_table))
    , m_row_sql(fmt::format("SELECT {} FROM {} WHERE id = ?1", chunk_columns, m_table))
    , m_cut_sql(
          fmt::format("UPDATE {} SET count = ?2, ends = ?3, data = ?4 WHERE id = ?1", m_table))
{
}

Chunk ChunkTable::read(sqlite3_stmt* statement)
{
    Chunk chunk;
    chunk.id = sqlite3_column_int64(statement, 0);
    chunk.count = sqlite3_column_int64(statement, 1);
    chunk.priority = sqlite3_column_int64(statement, 2);
    chunk.ready_at = sqlite3_column_int64(statement, 3);
    chunk.enqueued = sqlite3_column_int64(statement, 4);
    chunk.attempts = sqlite3_column_int64(statement, 5);
    chunk.leased = sqlite3_column_int64(statement, 6);
    chunk.error = blob(statement, 7);
    chunk.ends = blob(statement, 8);
    chunk.data = blob(statement, 9);
    return chunk;
}

void ChunkTable::insert(Chunk const& chunk)
{
    auto* insert = m_db.prepare(m_insert, m_insert_sql.c_str());
    sqlite3_bind_int64(insert, 1, chunk.id);
    sqlite3_bind_int64(insert, 2, chunk.count);
    sqlite3_bind_int64(insert, 3, chunk.priority);
    sqlite3_bind_int64(insert, 4, chunk.ready_at);
    sqlite3_bind_int64(insert, 5, chunk.enqueued);
    sqlite3_bind_int64(insert, 6, chunk.attempts);
    sqlite3_bind_int64(insert, 7, chunk.leased);
    sqlite3_bind_text64(
        insert, 8, chunk.error.data(), chunk.error.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    bind_blob(insert, 9, chunk.ends);
    bind_blob(insert, 10, chunk.data);
    m_db.step(insert);
}

std::vector<std::uint32_t> const& ChunkTable::ends_of(Chunk const& chunk)
{
    if (!decode_ends(chunk.ends, chunk.count, chunk.data.size(), m_ends))
        m_db.fail(SQLITE_CORRUPT, fmt::format("{} {}", m_table, chunk.id));
    return m_ends;
}

void ChunkTable::append_items(Chunk const& chunk, std::vector<Item>& out)
{
    auto const& ends = ends_of(chunk);
    std::uint32_t begin = 0;
    for (std::size_t i = 0; i < ends.size(); ++i) {
        Item& item = out.emplace_back();
        item.id = chunk.id + static_cast<Id>(i);
        item.data.assign(chunk.data, begin, ends[i] - begin);
        item.enqueued_ns = chunk.enqueued;
        item.attempts = chunk.attempts;
        item.error = chunk.error;
        item.priority = chunk.priority;
        item.lease = chunk.leased;
        begin = ends[i];
    }
}

void ChunkTable::split(Id id)
{
    auto* holder = m_db.prepare(m_holder, m_holder_sql.c_str());
    sqlite3_bind_int64(holder, 1, id);
    Id first = 0;
    if (m_db.step(holder) == SQLITE_ROW
        && sqlite3_column_int64(holder, 0) + sqlite3_column_int64(holder, 1) > id)
        first = sqlite3_column_int64(holder, 0);
    sqlite3_reset(holder);
    if (first == 0)
        return;
    auto* row = m_db.prepare(m_row, m_row_sql.c_str());
    sqlite3_bind_int64(row, 1, first);
    std::optional<Chunk> chunk;
    scan(row, [&](Chunk&& found) {
        chunk = std::move(found);
        return false;
    });
    if (chunk)
        split_off(*chunk, id - first);
}

void ChunkTable::split_off(Chunk& chunk, std::int64_t count)
{
    auto const& ends = ends_of(chunk);
    auto const at = static_cast<std::size_t>(count);
    auto const cut = ends[at - 1];
    Chunk rest = chunk;
    rest.id = chunk.id + count;
    rest.count = chunk.count - count;
    rest.ends = rebase_ends(ends, at);
    rest.data.erase(0, cut);
    chunk.count = count;
    chunk.ends.resize(at * 4);
    chunk.data.resize(cut);

    auto* update = m_db.prepare(m_cut, m_cut_sql.c_str());
    sqlite3_bind_int64(update, 1, chunk.id);
    sqlite3_bind_int64(update, 2, chunk.count);
    bind_blob(update, 3, chunk.ends);
    bind_blob(update, 4, chunk.data);
    m_db.step(update);
    insert(rest);
}

}
