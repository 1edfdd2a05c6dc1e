#pragma once

// The tables of a queue database, and their upgrade from older versions.
//
// Version 3: `items` holds the live items (ready, delayed, leased) and `dead`
// the dead ones, both as chunks (chunk.hpp): one row per run of items with
// consecutive ids and the same state, keyed by its first item's id. Chunks of
// priority 0 come out in rowid order and need no index, so pushing and
// popping them maintain one b-tree only; other priorities have a partial
// index. `next_id` holds the id the next pushed item gets: ids are never
// reused, so a dead item can go back under its own. `activity` counts the
// items pushed and done in the last minute. `keys` holds the keys of
// push --id within their window: how many items the push stored under the
// key, and whether it finished.
// Version 3's keys were of finished pushes only; version 2 had one row per
// item; version 1 kept dead items in `items`.

#include "ipc/queue/sqlite_db.hpp"

namespace ipc::queue {

// Inside a transaction: creates the tables of an empty database, upgrades a
// queue of an older version, and checks that the file is a queue of a known
// version. Throws Error(Usage) when it is not.
void open_schema(Database& db);

}
