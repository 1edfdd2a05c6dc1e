#include "ipc/nats/server.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/time.hpp"
#include "ipc/io/stop.hpp"

#include <charconv>
#include <fmt/format.h>

namespace ipc::nats {

namespace {

// NATS micro's queue group: our servers and its services share a name's requests.
constexpr auto queue_group = "q";
// The subscription is confirmed, and the replies sent at exit, within this.
constexpr std::int64_t flush_ms = 10000;

// The client's part of a reply subject and the request id after it; id 0
// when the last token is not a number (a client of another kind).
std::pair<std::string_view, std::uint64_t> split_reply(std::string_view reply)
{
    auto const dot = reply.rfind('.');
    if (dot == std::string_view::npos)
        return { reply, 0 };
    auto const token = reply.substr(dot + 1);
    std::uint64_t id = 0;
    auto const [end, error] = std::from_chars(token.data(), token.data() + token.size(), id);
    if (error != std::errc() || end != token.data() + token.size())
        return { reply, 0 };
    return { reply.substr(0, dot), id };
}

}

Server::Server(BackendOptions const& backend, reqrep::ServerOptions options,
    std::unique_ptr<reqrep::Handler> handler, Stop& stop)
    : m_options(std::move(options))
    , m_connection(backend)
    , m_max_payload(m_connection.max_payload())
    , m_inbox(m_connection, m_options.address.name, queue_group)
    , m_dispatcher(std::move(handler), m_options.count, stop, *this)
{
    m_dispatcher.watch(m_options); // -v; a tap is local only (no observers come here).
    auto const& nats = api();
    if (m_options.count)
        check(nats.natsSubscription_AutoUnsubscribe(m_inbox.get(),
                  static_cast<int>(std::min<std::uint64_t>(*m_options.count, INT32_MAX))),
            fmt::format("{}: subscribe", m_options.address.text()));
    answer_census();
    // Once the server has our subscriptions, a client started after us reaches us.
    check(nats.natsConnection_FlushTimeout(m_connection.get(), flush_ms),
        fmt::format("{}: subscribe", m_options.address.text()));
    m_connection.check_refused(); // A refusal (a permission violation) is back by now.
    m_dispatcher.loop().add(
        m_connection.event_fd(), EPOLLIN, [this](std::uint32_t) { m_connection.handle_events(); });
    m_dispatcher.loop().add(m_inbox.event_fd(), EPOLLIN, [this](std::uint32_t) {
        for (auto& received : m_inbox.take())
            m_waiting.push_back(std::move(received.message));
    });
}

Server::~Server()
{
    if (!m_inbox.close()) // A callback may still run: leave it what it points to.
        (void)m_census.release();
}

void Server::answer_census()
{
    m_census->connection = m_connection.get();
    m_census->name = m_options.address.name;
    m_census->since_ns = now_ns();
    natsSubscription* subscription = nullptr;
    {
        SignalBlock const block; // cnats starts a thread per subscription.
        check(api().natsConnection_Subscribe(&subscription, m_connection.get(),
                  server_census_subject, ServerCensusAnswer::on_request, m_census.get()),
            "census");
    }
    m_inbox.adopt(subscription);
}

Exit Server::run()
{
    reqrep::announce_ready(m_options.ready_file, m_options.address.text());
    auto const exit = m_dispatcher.run();
    // cnats sends on its own thread: the last replies are out once this returns.
    api().natsConnection_FlushTimeout(m_connection.get(), flush_ms);
    return exit;
}

void Server::resume()
{
    while (!m_waiting.empty() && m_dispatcher.can_take()) {
        auto message = std::move(m_waiting.front());
        m_waiting.pop_front();
        take(std::move(message));
    }
}

void Server::take(MessagePtr message)
{
    auto const& nats = api();
    char const* reply = nats.natsMsg_GetReply(message.get());
    if (!reply || !*reply)
        return; // Published, not requested: nobody waits for an answer.
    auto const [prefix, number] = split_reply(reply);
    auto [found, added] = m_clients.try_emplace(std::string(prefix));
    auto& client = found->second;
    if (added)
        client.key = ++m_serial;
    auto const id = number != 0 ? number : ++m_serial;
    if (!m_replies.try_emplace({ client.key, id }, reply).second)
        return; // Sent again while the first is still being answered: that answer serves.
    ++client.jobs;
    auto const size = static_cast<std::size_t>(nats.natsMsg_GetDataLength(message.get()));
    reqrep::Job const job { client.key, id, -1 };
    if (m_options.max_size != 0 && size > m_options.max_size) {
        deliver(job, wire::ReplyStatus::Error,
            fmt::format("a request of {} bytes is longer than the server's --max-size ({} bytes)",
                size, m_options.max_size));
        return;
    }
    m_dispatcher.submit(job, std::string_view(nats.natsMsg_GetData(message.get()), size));
}

std::string Server::client(reqrep::Job const& job) const
{
    // All NATS tells of a client: where its reply goes.
    auto const found = m_replies.find({ job.connection, job.id });
    return found == m_replies.end() ? std::string("a client") : "reply " + found->second;
}

void Server::deliver(reqrep::Job const& job, wire::ReplyStatus status, std::string_view data)
{
    m_census->served.fetch_add(1, std::memory_order_relaxed);
    auto const found = m_replies.find({ job.connection, job.id });
    if (found == m_replies.end())
        return;
    auto const subject = std::move(found->second);
    m_replies.erase(found);
    auto const client = m_clients.find(std::string(split_reply(subject).first));
    if (client != m_clients.end() && --client->second.jobs == 0)
        m_clients.erase(client);
    if (m_max_payload != 0 && data.size() > m_max_payload) {
        publish_reply(subject, wire::ReplyStatus::Error,
            fmt::format("a reply of {} bytes is larger than the NATS server takes ({} bytes, its "
                        "max_payload)",
                data.size(), m_max_payload));
        return;
    }
    publish_reply(subject, status, data);
}

void Server::publish_reply(
    std::string const& subject, wire::ReplyStatus status, std::string_view data)
{
    auto const& nats = api();
    natsStatus result = NATS_OK;
    if (status == wire::ReplyStatus::Ok) {
        result = nats.natsConnection_Publish(
            m_connection.get(), subject.c_str(), data.data(), static_cast<int>(data.size()));
    } else {
        natsMsg* raw = nullptr;
        result = nats.natsMsg_Create(
            &raw, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
        MessagePtr const owned(raw);
        if (result == NATS_OK)
            result = nats.natsMsgHeader_Add(raw, reply_status_header, reply_status_error);
        if (result == NATS_OK)
            result = nats.natsConnection_PublishMsg(m_connection.get(), raw);
    }
    if (result != NATS_OK) // The client waits on: it says so after its -t.
        warn("{}: a reply was not sent: {}", m_options.address.text(),
            nats.natsStatus_GetText(result));
}

void Server::drain()
{
    api().natsSubscription_Drain(m_inbox.get()); // An error: -n ended it already.
    m_waiting.clear();
}

std::optional<Deadline> Server::upkeep()
{
    if (!m_waiting.empty() && m_dispatcher.can_take())
        return std::chrono::steady_clock::now();
    return std::nullopt;
}

}
