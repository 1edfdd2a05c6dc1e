#include "ipc/queue/sqlite_schema.hpp"

#include "ipc/core/error.hpp"

#include <fmt/format.h>

namespace ipc::queue {

namespace {

constexpr int schema_version = 2;
constexpr int application_id = 0x69706371; // "ipcq": marks our databases.

// The columns of `items` and `dead` after the id. `state` is always 0: it
// dates from version 1, when dead items (state 1) stayed in `items`.
constexpr char const* columns
    = "priority INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL,"
      " enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
      " state INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,"
      " error TEXT NOT NULL DEFAULT '', data BLOB NOT NULL";

constexpr char const* priority_index
    = "CREATE INDEX items_priority ON items (priority DESC, id) WHERE priority != 0;";

std::string create_dead()
{
    return fmt::format("CREATE TABLE dead (id INTEGER PRIMARY KEY, {});", columns);
}

void set_version(Database& db)
{
    db.exec(fmt::format("PRAGMA application_id={}", application_id).c_str(), "create");
    db.exec(fmt::format("PRAGMA user_version={}", schema_version).c_str(), "create");
}

}

void open_schema(Database& db)
{
    Statement query;
    auto* select = db.prepare(query,
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT application_id FROM pragma_application_id),"
        " (SELECT count(*) FROM sqlite_schema)");
    db.step(select);
    int const version = sqlite3_column_int(select, 0);
    int const id = sqlite3_column_int(select, 1);
    int const objects = sqlite3_column_int(select, 2);
    sqlite3_reset(select);
    if (version == 0 && id == 0 && objects == 0) {
        auto const schema = fmt::format(
            "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, {}); {} {}"
            " CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;",
            columns, priority_index, create_dead());
        db.exec(schema.c_str(), "create");
        set_version(db);
    } else if (id != application_id) {
        throw Error(Exit::Usage,
            fmt::format("{}: {} is not a queue database", db.name(), db.path()),
            "remove it, or use another queue name");
    } else if (version == 1) {
        // Version 1 had one index over all items, dead ones (state 1) included.
        auto const upgrade = fmt::format("{} INSERT INTO dead SELECT * FROM items WHERE state != 0;"
                                         " DELETE FROM items WHERE state != 0;"
                                         " DROP INDEX items_order; {}",
            create_dead(), priority_index);
        db.exec(upgrade.c_str(), "upgrade");
        set_version(db);
    } else if (version != schema_version) {
        throw Error(Exit::Usage,
            fmt::format("{}: {} has schema version {}, this ipckit knows {}", db.name(), db.path(),
                version, schema_version),
            "use the ipckit that made it");
    }
}

}
