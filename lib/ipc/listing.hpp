#pragma once

// The listings of what runs now, for people and for scripts: ipc-sub --list
// (subscribers), ipc-serve --list (services and their servers), ipc-pub
// --list (retained topics). A table (framing/table.hpp) whose first column
// is the pattern, name or topic, or one JSON object per line with --json.

#include "ipc/core/error.hpp"
#include "ipc/names/url.hpp"
#include "ipc/pubsub/listing.hpp"
#include "ipc/pubsub/retain.hpp"
#include "ipc/reqrep/listing.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ipc {

enum class ListFormat { Table, Json };

// The lines of each listing (pure: now_ns is the time ages count to). A
// subscriber takes one table row per pattern, one JSON object in all.
std::vector<std::string> subscriber_lines(
    std::vector<pubsub::SubscriberInfo> const& subscribers, ListFormat format, std::int64_t now_ns);
std::vector<std::string> server_lines(
    std::vector<reqrep::ServerInfo> const& servers, ListFormat format, std::int64_t now_ns);
std::vector<std::string> retained_lines(
    std::vector<pubsub::RetainedInfo> const& topics, ListFormat format, std::int64_t now_ns);

// Print a listing on stdout. Without a filter (empty): everything, Ok even
// when there is nothing. With one: what it selects, and Error(Unavailable)
// when that is nothing; Error(Usage) for a bad filter. topic is a topic
// name: the subscribers a message published on it reaches; name a service
// name; pattern a topic pattern.
Exit print_subscribers(BackendOptions const& backend, std::string const& topic, ListFormat format);
Exit print_servers(BackendOptions const& backend, std::string const& name, ListFormat format);
Exit print_retained(BackendOptions const& backend, std::string const& pattern, ListFormat format);

}
