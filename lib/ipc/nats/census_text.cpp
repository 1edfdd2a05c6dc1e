// The text of census answers (census_text.hpp).

#include "ipc/nats/census_text.hpp"

#include "ipc/core/parse.hpp"
#include "ipc/names/name.hpp"
#include "ipc/pubsub/local_registry.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <unistd.h>

namespace ipc::nats {

std::string encode_census_answer(std::string const& id, std::vector<Pattern> const& patterns,
    std::string const& group, std::int64_t since_ns)
{
    return fmt::format("{}\n{}pid {}\nuid {}\n", id,
        pubsub::encode_registration({ id, patterns, group, since_ns }), ::getpid(), ::getuid());
}

std::optional<pubsub::SubscriberInfo> decode_census_answer(std::string_view answer)
{
    auto const end = answer.find('\n');
    if (end == std::string_view::npos)
        return pubsub::SubscriberInfo {}; // An id alone: a subscriber before this version.
    std::string const id(answer.substr(0, end));
    auto const registration = pubsub::decode_registration(id, answer.substr(end + 1));
    if (!registration)
        return std::nullopt;
    pubsub::SubscriberInfo info;
    for (auto const& pattern : registration->patterns)
        info.patterns.push_back(pattern.text());
    info.group = registration->group;
    info.since_ns = registration->since_ns;
    // The lines a registration does not have: "pid N", "uid N".
    for (auto rest = answer.substr(end + 1); !rest.empty();) {
        auto const line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        auto const number = parse_number(line.substr(std::min<std::size_t>(line.size(), 4)));
        if (number && line.starts_with("pid "))
            info.pid = static_cast<std::int64_t>(*number);
        else if (number && line.starts_with("uid "))
            info.uid = static_cast<std::int64_t>(*number);
    }
    return info;
}

namespace {

constexpr std::string_view server_header = "ipc-serve 1\n";

}

std::string encode_server_answer(std::string const& id, reqrep::ServerInfo const& server)
{
    return fmt::format("{}name {}\nid {}\npid {}\nuid {}\nsince {}\nserved {}\n", server_header,
        server.name, id, server.pid, server.uid.value_or(0), server.since_ns,
        server.served.value_or(0));
}

std::optional<reqrep::ServerInfo> decode_server_answer(std::string_view answer)
{
    if (!answer.starts_with(server_header))
        return std::nullopt;
    answer.remove_prefix(server_header.size());
    reqrep::ServerInfo server;
    while (!answer.empty()) {
        auto const line = answer.substr(0, answer.find('\n'));
        answer.remove_prefix(std::min(answer.size(), line.size() + 1));
        auto const space = line.find(' ');
        if (space == std::string_view::npos)
            continue;
        auto const key = line.substr(0, space);
        auto const value = line.substr(space + 1);
        auto const number = parse_number(value);
        if (key == "name" && is_valid_name(value))
            server.name = value;
        else if (key == "pid" && number)
            server.pid = static_cast<std::int64_t>(*number);
        else if (key == "uid" && number)
            server.uid = static_cast<std::int64_t>(*number);
        else if (key == "since" && number)
            server.since_ns = static_cast<std::int64_t>(*number);
        else if (key == "served" && number)
            server.served = *number;
    }
    if (server.name.empty())
        return std::nullopt;
    return server;
}

}
