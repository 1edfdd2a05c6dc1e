#pragma once

// The tables of a queue database, and their upgrade from older versions.
//
// Version 2: `items` holds the live items (ready, delayed, leased) and `dead`
// the dead ones, with the same columns and ids. Items of priority 0 come out
// in rowid order and need no index, so pushing and popping them maintain one
// b-tree only; other priorities have a partial index.

#include "ipc/queue/sqlite_db.hpp"

namespace ipc::queue {

// Inside a transaction: creates the tables of an empty database, upgrades a
// version-1 queue, and checks that the file is a queue of a known version.
// Throws Error(Usage) when it is not.
void open_schema(Database& db);

}
