// The queue half of the backend, in a file of its own: only ipc-queue links
// it, so the SQLite store and libsqlite3 stay out of the other tools (the
// dynamic loader's relocations tripled a one-shot ipc-pub's instructions).

#include "ipc/backend.hpp"
#include "ipc/nats/queue.hpp"
#include "ipc/queue/sqlite_store.hpp"

namespace ipc {

std::unique_ptr<queue::Queue> open_queue(
    std::string const& name, queue::Missing missing, queue::Sync sync)
{
    return queue::open_sqlite(name, missing, sync);
}

std::vector<std::string> queue_names()
{
    return queue::list_queues();
}

void remove_queue(std::string const& name)
{
    queue::remove_queue(name);
}

std::unique_ptr<queue::Queue> open_queue(BackendOptions const& backend, std::string const& name,
    queue::Missing missing, queue::Sync sync)
{
    if (backend.url.is_local())
        return open_queue(name, missing, sync);
    return nats::open_queue(backend, name, missing, sync);
}

std::vector<std::string> queue_names(BackendOptions const& backend)
{
    if (backend.url.is_local())
        return queue_names();
    return nats::queue_names(backend);
}

void remove_queue(BackendOptions const& backend, std::string const& name)
{
    if (backend.url.is_local())
        return remove_queue(name);
    nats::remove_queue(backend, name);
}

}
