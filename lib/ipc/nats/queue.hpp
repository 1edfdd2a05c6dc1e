#pragma once

// The queue on NATS JetStream, behind queue::Queue: a queue NAME is a
// work-queue stream (names.hpp) with one durable pull consumer "ipc" on its
// live subject. This header does not include nats.h (see pubsub.hpp).

#include "ipc/names/url.hpp"
#include "ipc/queue/queue.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ipc::nats {

// Opens queue name (validated), creating its stream unless missing is
// Fail. Throws Error: 2 for --sync full; 69 when the library, a server or
// JetStream is missing, or (Fail) the queue is.
std::unique_ptr<queue::Queue> open_queue(BackendOptions const& backend, std::string const& name,
    queue::Missing missing, queue::Sync sync);

// The queues whose streams the server has, sorted.
std::vector<std::string> queue_names(BackendOptions const& backend);

// Deletes queue name's stream; throws Error(Unavailable) when there is none.
void remove_queue(BackendOptions const& backend, std::string const& name);

}
