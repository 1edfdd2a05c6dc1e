#pragma once

// The backends that the contract cases (tests/unit/backend/*_test.cpp) run
// against, in the style of nng's transport tests: each case is written once
// against ipc/backend.hpp and runs once per backend, as a Catch2 generator:
//
//     ipc::test::Backend const backend(GENERATE(ipc::test::backends()));
//
// A Backend gives the case a fresh world: private runtime and state
// directories for the local backend, a nats-server of its own for NATS.
// The cases that NATS already passes take pubsub_backends(), reqrep_backends()
// or queue_backends().

#include "ipc/names/url.hpp"

#include "support/nats_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace ipc::test {

// The names of the backends to run each case against.
inline auto backends()
{
    return Catch::Generators::values<std::string>({ "local" });
}

// The same, with NATS when this build has it and nats-server is installed.
inline auto pubsub_backends()
{
    std::vector<std::string> names { "local" };
    if (NatsServer::available())
        names.push_back("nats");
    return Catch::Generators::from_range(names);
}

// Request-response passes on NATS as well.
inline auto reqrep_backends()
{
    return pubsub_backends();
}

// And the queue (on JetStream).
inline auto queue_backends()
{
    return pubsub_backends();
}

class Backend {
public:
    explicit Backend(std::string name)
        : m_name(std::move(name))
    {
        UNSCOPED_INFO("backend: " << m_name);
        ::setenv("IPC_DIR", (m_temp / "run").c_str(), 1);
        ::setenv("IPC_STATE_DIR", (m_temp / "state").c_str(), 1);
        if (m_name == "nats") {
            m_server = std::make_unique<NatsServer>();
            std::string error;
            m_options.url = *try_parse_url(m_server->url(), error);
        }
    }

    // What --url and friends would say for this backend.
    BackendOptions const& options() const { return m_options; }
    ~Backend()
    {
        ::unsetenv("IPC_DIR");
        ::unsetenv("IPC_STATE_DIR");
    }
    Backend(Backend const&) = delete;
    Backend& operator=(Backend const&) = delete;

    std::string const& name() const { return m_name; }

private:
    std::string m_name;
    TempDir m_temp;
    std::unique_ptr<NatsServer> m_server;
    BackendOptions m_options;
};

}
