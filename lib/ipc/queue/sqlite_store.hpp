#pragma once

// The local queue backend: one SQLite database (WAL) per queue, NAME.db in
// the state directory. SQLite itself stays inside the module (sqlite_db.hpp):
// every SQLite error becomes an ipc::Error, and SQLITE_BUSY is waited out.

#include "ipc/core/clock.hpp"
#include "ipc/queue/queue.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ipc::queue {

// Opens queue name (already validated). Throws Error: Unavailable when it
// does not exist and missing is Fail; Usage when the file is not a queue
// database (or one from a newer ipckit); IoError when it is corrupt or
// cannot be read. Leases, delays and rates follow clock.
std::unique_ptr<Queue> open_sqlite(std::string const& name, Missing missing = Missing::Create,
    Sync sync = Sync::Normal, Clock& clock = system_clock());

// The path of queue name's database.
std::string queue_path(std::string const& name);

// The names of the queues in the state directory, sorted.
std::vector<std::string> list_queues();

// Deletes queue name's files; throws Error(Unavailable) when there is none.
void remove_queue(std::string const& name);

}
