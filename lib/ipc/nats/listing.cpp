// The listings on NATS (pubsub.hpp, reqrep.hpp): the subscribers and the
// servers that answer a census (census.hpp), the keys of the bucket of
// retained messages.

#include "ipc/nats/census.hpp"
#include "ipc/nats/connection.hpp"
#include "ipc/nats/pubsub.hpp"
#include "ipc/nats/reqrep.hpp"
#include "ipc/nats/retained.hpp"

#include "ipc/core/time.hpp"

#include <algorithm>
#include <poll.h>

namespace ipc::nats {

namespace {

// The subscribers answer a census at once: the listing ends once none has
// answered for `quiet`, and after `longest` in any case.
constexpr auto quiet = std::chrono::milliseconds(500);
constexpr auto longest = std::chrono::seconds(3);
constexpr std::int64_t flush_ms = 10000;

// Sends one census request with payload on subject and returns the distinct
// answers that come in time.
std::vector<std::string> ask(
    BackendOptions const& backend, char const* subject, std::string const& payload)
{
    auto const& nats = api();
    CensusTally tally; // Outlives the connection, whose thread calls it.
    Connection connection(backend);
    natsSubscription* answers = nullptr;
    {
        SignalBlock const block; // cnats starts a thread per subscription.
        check(nats.natsConnection_Subscribe(&answers, connection.get(), tally.inbox().c_str(),
                  CensusTally::on_message, &tally),
            "--list");
    }
    connection.destroy_later(answers);
    check(nats.natsConnection_FlushTimeout(connection.get(), flush_ms), "--list");
    check(nats.natsConnection_PublishRequest(connection.get(), subject, tally.inbox().c_str(),
              payload.data(), static_cast<int>(payload.size())),
        "--list");
    auto const start = std::chrono::steady_clock::now();
    auto last = start;
    std::size_t seen = 0;
    while (!tally.no_responders()) {
        auto const now = std::chrono::steady_clock::now();
        if (auto const count = tally.answers(); count != seen) {
            seen = count;
            last = now;
        }
        auto const end = std::min(last + quiet, start + longest);
        if (now >= end)
            break;
        pollfd wait { tally.event_fd(), POLLIN, 0 };
        ::poll(&wait, 1, ms_until(end));
        tally.take_hello(); // Empties the event fd.
    }
    nats.natsSubscription_Unsubscribe(answers);
    return tally.answer_texts();
}

}

std::vector<pubsub::SubscriberInfo> list_subscribers(
    BackendOptions const& backend, std::optional<std::string> const& topic)
{
    std::vector<pubsub::SubscriberInfo> found;
    for (auto const& answer : ask(backend, census_subject, topic.value_or(std::string())))
        if (auto info = decode_census_answer(answer)) {
            if (info->patterns.empty())
                info->patterns.push_back("?"); // A subscriber before this version.
            found.push_back(std::move(*info));
        }
    std::sort(found.begin(), found.end(), pubsub::listed_before);
    return found;
}

std::vector<pubsub::RetainedInfo> list_retained(
    BackendOptions const& backend, std::optional<Pattern> const& pattern)
{
    Connection connection(backend);
    RetainedBucket bucket(connection, RetainedBucket::Open::IfThere);
    std::vector<pubsub::RetainedInfo> found;
    if (!bucket.exists())
        return found; // Nothing was ever retained (or no JetStream).
    for (auto const& message : bucket.load({ pattern.value_or(*Pattern::try_parse(">")) }))
        found.push_back({ message.topic, message.data.size(), message.time_ns });
    std::sort(
        found.begin(), found.end(), [](auto const& a, auto const& b) { return a.topic < b.topic; });
    return found;
}

std::vector<reqrep::ServerInfo> list_servers(BackendOptions const& backend, std::string const& name)
{
    std::vector<reqrep::ServerInfo> found;
    for (auto const& answer : ask(backend, server_census_subject, name))
        if (auto info = decode_server_answer(answer))
            found.push_back(std::move(*info));
    std::sort(found.begin(), found.end(), reqrep::listed_before);
    return found;
}

}
