#include "ipc/queue/sqlite_schema.hpp"

#include "ipc/core/error.hpp"
#include "ipc/queue/chunk.hpp"

#include <fmt/format.h>

namespace ipc::queue {

namespace {

constexpr int schema_version = 5;
constexpr int application_id = 0x69706371; // "ipcq": marks our databases.

// The columns of `items` and `dead` after the id (sqlite_chunks.hpp).
constexpr char const* columns
    = "count INTEGER NOT NULL, priority INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL,"
      " enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
      " leased INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',"
      " ends BLOB NOT NULL, data BLOB NOT NULL";

// Version 2's, one row per item (`state` was always 0).
constexpr char const* columns_v2
    = "priority INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL,"
      " enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
      " state INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,"
      " error TEXT NOT NULL DEFAULT '', data BLOB NOT NULL";

// The columns of `keys` after key and expires: the items stored under the
// key, and whether its push finished.
constexpr char const* key_columns
    = "stored INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 1";

// The items in the order they are due, and within a due time (0, ready:
// sqlite_schema.hpp) in the order they come out: the rowid, id, ends each
// entry. Ready items are one range of it, delayed and leased ones another.
constexpr char const* due_index = "CREATE INDEX items_due ON items (ready_at, priority DESC);";

// With `activity`: the items pushed and done (acked) per 10-second bucket
// of the last minute, for the rates of stat.
std::string create_tables(char const* with)
{
    return fmt::format("CREATE TABLE items (id INTEGER PRIMARY KEY, {0});"
                       " CREATE TABLE dead (id INTEGER PRIMARY KEY, {0});"
                       " CREATE TABLE activity (bucket INTEGER PRIMARY KEY,"
                       " pushed INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0);",
        with);
}

void set_version(Database& db)
{
    db.exec(fmt::format("PRAGMA application_id={}", application_id).c_str(), "create");
    db.exec(fmt::format("PRAGMA user_version={}", schema_version).c_str(), "create");
}

// one_end(N): the ends blob of a chunk of one item of N bytes.
void one_end(sqlite3_context* context, int, sqlite3_value** arguments)
{
    std::string ends;
    append_end(ends, static_cast<std::uint32_t>(sqlite3_value_int64(arguments[0])));
    sqlite3_result_blob(context, ends.data(), static_cast<int>(ends.size()), SQLITE_TRANSIENT);
}

// Version 1 had one index over all items, dead ones (state 1) included.
void upgrade_from_1(Database& db)
{
    auto const upgrade = fmt::format("CREATE TABLE dead (id INTEGER PRIMARY KEY, {});"
                                     " INSERT INTO dead SELECT * FROM items WHERE state != 0;"
                                     " DELETE FROM items WHERE state != 0; DROP INDEX items_order;",
        columns_v2);
    db.exec(upgrade.c_str(), "upgrade");
}

// Each item of version 2 becomes a chunk of one; the next id follows the
// highest ever given (AUTOINCREMENT's record), dead ones included. The old
// tables go with their index (version 2's items_priority).
void upgrade_from_2(Database& db)
{
    db.check(sqlite3_create_function(db.get(), "ipc_one_end", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                 nullptr, one_end, nullptr, nullptr),
        "upgrade");
    auto const copy = [](char const* table) {
        return fmt::format("INSERT INTO {0} SELECT id, 1, priority, ready_at, enqueued, attempts,"
                           " leased, error, ipc_one_end(length(data)), data FROM old_{0};",
            table);
    };
    auto const upgrade = fmt::format(
        "CREATE TABLE next_id (id INTEGER NOT NULL);"
        " INSERT INTO next_id SELECT 1 + max(coalesce((SELECT seq FROM sqlite_sequence"
        " WHERE name = 'items'), 0), coalesce((SELECT max(id) FROM dead), 0),"
        " coalesce((SELECT max(id) FROM items), 0));"
        " ALTER TABLE items RENAME TO old_items;"
        " ALTER TABLE dead RENAME TO old_dead; {} {} {}"
        " DROP TABLE old_items; DROP TABLE old_dead;",
        create_tables(columns), copy("items"), copy("dead"));
    db.exec(upgrade.c_str(), "upgrade");
}

// Version 3 recorded a key once its push had finished.
void upgrade_from_3(Database& db)
{
    db.exec("ALTER TABLE keys ADD COLUMN stored INTEGER NOT NULL DEFAULT 0;"
            " ALTER TABLE keys ADD COLUMN done INTEGER NOT NULL DEFAULT 1;",
        "upgrade");
}

// Version 4 found ready items by a scan in rowid order (priority 0) or of a
// partial index of the other priorities, past the delayed and leased ones.
// Items due by now become ready (0), as a lease would make them.
void upgrade_from_4(Database& db, std::int64_t now)
{
    auto const upgrade = fmt::format("DROP INDEX IF EXISTS items_priority; {}"
                                     " UPDATE items SET ready_at = 0 WHERE ready_at <= {};",
        due_index, now);
    db.exec(upgrade.c_str(), "upgrade");
}

// What a database says it is.
struct Found {
    int version = 0;
    int id = 0;
    int objects = 0; // In sqlite_schema: none in a new file.
};

Found look(Database& db)
{
    Statement query;
    auto* select = db.prepare(query,
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT application_id FROM pragma_application_id),"
        " (SELECT count(*) FROM sqlite_schema)");
    db.step(select);
    Found const found { sqlite3_column_int(select, 0), sqlite3_column_int(select, 1),
        sqlite3_column_int(select, 2) };
    sqlite3_reset(select);
    return found;
}

// In a write transaction: as open_schema().
void create_or_upgrade(Database& db, std::int64_t now)
{
    auto const [version, id, objects] = look(db);
    if (version == 0 && id == 0 && objects == 0) {
        auto const schema = fmt::format(
            "{} {} CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL, {})"
            " WITHOUT ROWID;"
            " CREATE TABLE next_id (id INTEGER NOT NULL); INSERT INTO next_id VALUES (1);",
            create_tables(columns), due_index, key_columns);
        db.exec(schema.c_str(), "create");
        set_version(db);
    } else if (id != application_id) {
        throw Error(Exit::Usage,
            fmt::format("{}: {} is not a queue database", db.name(), db.path()),
            "remove it, or use another queue name");
    } else if (version >= 1 && version <= 4) {
        if (version == 1)
            upgrade_from_1(db);
        if (version <= 2)
            upgrade_from_2(db);
        if (version <= 3)
            upgrade_from_3(db);
        upgrade_from_4(db, now);
        set_version(db);
    } else if (version != schema_version) {
        throw Error(Exit::Usage,
            fmt::format("{}: {} has schema version {}, this ipckit knows {}", db.name(), db.path(),
                version, schema_version),
            "use the ipckit that made it");
    }
}

}

void open_schema(Database& db, std::int64_t now)
{
    // Most opens find the current schema: a read says so without the write
    // lock, so a process starting does not wait behind a push's batch.
    auto const found = look(db);
    if (found.version == schema_version && found.id == application_id)
        return;
    transaction(db, [&] { create_or_upgrade(db, now); });
}

}
