#pragma once

// Retained messages on NATS: the JetStream key-value bucket ipc-retained
// (history 1), one key per topic, holding the data of the topic's last
// message published with --retain. Keys are topic names as they are: a name
// ([A-Za-z0-9_-] tokens joined by '.') is always a valid key (cnats also
// allows '/', '\\' and '='), and a pattern is a valid watch filter. An empty
// message deletes the key (MQTT's rule, as the local backend does).

#include "ipc/core/message.hpp"
#include "ipc/core/time.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/nats/connection.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::nats {

inline constexpr auto retained_bucket = "ipc-retained";

class RetainedBucket {
public:
    enum class Open {
        OrCreate, // For a publisher: create the bucket if it is missing.
        IfThere, // For a subscriber: a missing bucket or no JetStream is no error.
    };
    // Throws Error(Unavailable) under Open::OrCreate when the server has no
    // JetStream, and as Connection does for other failures.
    RetainedBucket(Connection& connection, Open how);
    ~RetainedBucket();
    RetainedBucket(RetainedBucket const&) = delete;
    RetainedBucket& operator=(RetainedBucket const&) = delete;

    // False when Open::IfThere found no bucket (nothing is retained then).
    bool exists() const { return m_store != nullptr; }

    // Makes data the retained message of topic (a valid name); empty data
    // deletes it. Waits for the server's acknowledgement; throws Error.
    void store(std::string const& topic, std::string_view data);

    // The retained message of each topic that a pattern matches, each once,
    // oldest first, with the time it was stored. Waits (up to 10 s in all)
    // for the bucket's current values; what does not come in time is left
    // out with a warning. `_IPC.` topics only for a pattern starting _IPC.
    std::vector<Message> load(std::vector<Pattern> const& patterns);

private:
    void load_pattern(
        Pattern const& pattern, Deadline deadline, std::map<std::string, Message>& messages);

    jsCtx* m_js = nullptr;
    kvStore* m_store = nullptr;
};

}
