#pragma once

// The tables of a queue database, and their upgrade from older versions.
//
// Version 5: `items` holds the live items (ready, delayed, leased) and `dead`
// the dead ones, both as chunks (chunk.hpp): one row per run of items with
// consecutive ids and the same state, keyed by its first item's id. An
// item's ready_at is when it is due (a delay, a back-off, the end of a
// lease), or 0 once it is ready: pushed without delay, retried, or found due
// by a lease, which first makes every item due by then 0. The index
// items_due, on (ready_at, priority DESC) and the id, holds the ready items
// as one range in the order they come out, so a lease reads those it takes
// and no delayed or leased item; the items due since the last lease, still
// above 0, are another range, as is the next one due. `next_id` holds the
// id the next pushed item gets: ids are never reused, so a dead item can go
// back under its own. `activity` counts the items pushed and done in the
// last minute. `keys` holds the keys of push --id within their window: how
// many items the push stored under the key, and whether it finished.
// Version 4 kept the time an item became ready, and found ready items by a
// scan past the delayed and leased ones; version 3's keys were of finished
// pushes only; version 2 had one row per item; version 1 kept dead items in
// `items`.

#include "ipc/queue/sqlite_db.hpp"

namespace ipc::queue {

// Checks that the file is a queue of a known version; in a write
// transaction, only when it must, creates the tables of an empty database or
// upgrades a queue of an older version (now: the Unix time in ns, to find
// the items due). Throws Error(Usage) when it is not a queue of a known
// version.
void open_schema(Database& db, std::int64_t now);

}
