#pragma once

// The text of census answers (census.hpp), pure, in every build: the
// listings decode it and the fuzzer drives it.
//
// An answer is the subscriber's id on its first line, then what it is, for
// ipc-sub --list: its registration as a local one would write it
// (pubsub/local_registry.hpp: patterns, group, since) and "pid N" and
// "uid N" lines. An answer never changes, so a publisher that counts
// distinct answers (this version, or one from before that took the id
// alone) counts each subscriber once; an answer of an id alone, from a
// subscriber before this version, is read as one of unknown patterns.
//
// A server's answer to the census of servers is "ipc-serve 1", then "name",
// "id", "pid", "uid", "since" and "served" lines. Decoders skip the lines
// they do not know (for later versions).

#include "ipc/names/pattern.hpp"
#include "ipc/pubsub/listing.hpp"
#include "ipc/reqrep/listing.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::nats {

// A subscriber's answer, and back: nullopt for one that is not ours.
std::string encode_census_answer(std::string const& id, std::vector<Pattern> const& patterns,
    std::string const& group, std::int64_t since_ns);
std::optional<pubsub::SubscriberInfo> decode_census_answer(std::string_view answer);

// A server's answer, and back: nullopt for one that is not ours.
std::string encode_server_answer(std::string const& id, reqrep::ServerInfo const& server);
std::optional<reqrep::ServerInfo> decode_server_answer(std::string_view answer);

}
