#pragma once

// Retained messages of the local backend: $IPC_DIR/retain/TOPIC holds the
// raw bytes of the last message published with --retain, replaced atomically
// (write a temporary file, then rename), so a reader never sees a torn one.

#include "ipc/core/message.hpp"
#include "ipc/names/pattern.hpp"

#include <string_view>
#include <vector>

namespace ipc::pubsub {

// Stores message as the retained message of its topic (a valid name); an
// empty message deletes the topic's retained message instead (MQTT's rule).
void store_retained(MessageView const& message);

// Every retained message whose topic matches one of patterns, oldest first;
// its time is when it was stored.
std::vector<Message> load_retained(std::vector<Pattern> const& patterns);

}
