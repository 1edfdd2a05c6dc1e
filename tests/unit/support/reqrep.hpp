#pragma once

// Request-response in a test: a server answering in a thread of its own, and
// a client that collects the replies.

#include "ipc/backend.hpp"
#include "ipc/io/stop.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

namespace ipc::test {

// A server of `name` answering `count` requests in a thread of its own.
class Served {
public:
    Served(std::string const& name, reqrep::HandlerOptions handler, std::uint64_t count,
        BackendOptions const& backend = {})
        : m_stop({})
    {
        handler.name = name;
        handler.max_size = 1024 * 1024;
        m_server = open_server(backend,
            { .address = parse_address(name), .max_size = 1024 * 1024, .count = count }, handler,
            m_stop);
        m_thread = std::thread([this] { m_server->run(); });
    }
    // A failed test must not hang on a server still waiting for its count:
    // SIGTERM, read from the server's signalfd, makes it drain and return.
    ~Served()
    {
        ::pthread_kill(m_thread.native_handle(), SIGTERM);
        m_thread.join();
    }

private:
    Stop m_stop;
    std::unique_ptr<reqrep::Server> m_server;
    std::thread m_thread;
};

struct Got {
    std::vector<std::string> replies; // "ok:DATA" or "error:REASON", in order.
    std::vector<std::uint64_t> ids;
};

// Sends requests and collects the replies; no Catch2 assertion, so that it
// may run in a thread of its own. Throws Error when a reply is missing.
inline Got try_ask(std::string const& name, std::vector<std::string> const& requests,
    std::uint64_t retries = 0, BackendOptions const& backend = {})
{
    Stop stop({});
    Got got;
    auto client = open_client(
        backend,
        { .address = parse_address(name), .timeout = std::chrono::seconds(10), .retries = retries },
        stop,
        [&got](reqrep::Outcome const& reply) {
            got.replies.push_back((reply.ok ? "ok:" : "error:") + std::string(reply.data));
            got.ids.push_back(reply.id);
        },
        [] {});
    for (auto const& request : requests)
        client->send(request);
    if (!client->finish())
        throw Error(Exit::Failed, "the client did not finish");
    return got;
}

inline Got ask(std::string const& name, std::vector<std::string> const& requests,
    std::uint64_t retries = 0, BackendOptions const& backend = {})
{
    Got got;
    REQUIRE_NOTHROW(got = try_ask(name, requests, retries, backend));
    return got;
}

}
