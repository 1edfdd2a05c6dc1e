#pragma once

// ipc-serve on NATS: a Dispatcher::Transport over one queue subscription
// to the service's subject in group "q", so the servers of a name share its
// requests. Requests wait in the Inbox until the Dispatcher can take them;
// each is a Job keyed by its client (the reply subject without its last
// token), so a co-process keeps one client's requests in order, and the
// reply goes to the request's reply subject, with Ipc-Status: error on an
// error. -n: the subscription ends itself after N (AutoUnsubscribe); a
// signal drains it. Requests that reach us after the drain began go
// unanswered: their clients send them again (--retries) to another server.
// Each server also answers the census of servers (census.hpp), for
// ipc-serve --list, with the count of requests it answered.

#include "ipc/nats/census.hpp"
#include "ipc/nats/connection.hpp"
#include "ipc/nats/inbox.hpp"
#include "ipc/reqrep/dispatcher.hpp"
#include "ipc/reqrep/server.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace ipc::nats {

class Server final : public reqrep::Server, private reqrep::Dispatcher::Transport {
public:
    Server(BackendOptions const& backend, reqrep::ServerOptions options,
        std::unique_ptr<reqrep::Handler> handler, Stop& stop);
    ~Server() override;

    Exit run() override;

private:
    struct Client {
        std::uint64_t key = 0;
        std::size_t jobs = 0; // Taken and not answered yet.
    };

    // Dispatcher::Transport.
    void deliver(reqrep::Job const& job, wire::ReplyStatus status, std::string_view data) override;
    void resume() override;
    void flush() override { }
    bool writing() const override { return false; }
    void drain() override;
    std::optional<Deadline> upkeep() override;
    std::string client(reqrep::Job const& job) const override;

    void take(MessagePtr message);
    void answer_census();
    void publish_reply(std::string const& subject, wire::ReplyStatus status, std::string_view data);

    reqrep::ServerOptions m_options;
    Connection m_connection;
    std::size_t m_max_payload;
    // Its subscription is the inbox's too, so it must outlive the inbox.
    std::unique_ptr<ServerCensusAnswer> m_census = std::make_unique<ServerCensusAnswer>();
    Inbox m_inbox;
    reqrep::Dispatcher m_dispatcher;
    std::deque<MessagePtr> m_waiting; // Received, not taken yet.
    std::unordered_map<std::string, Client> m_clients; // By reply prefix, while jobs are out.
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> m_replies; // Job → subject.
    std::uint64_t m_serial = 0; // The key of the last client seen.
};

}
