#pragma once

// The backends that the contract cases (tests/unit/backend/*_test.cpp) run
// against, in the style of nng's transport tests: each case is written once
// against ipc/backend.hpp and runs once per backend, as a Catch2 generator:
//
//     ipc::test::Backend const backend(GENERATE(ipc::test::backends()));
//
// A Backend gives the case a fresh world: private runtime and state
// directories for the local backend (and, once there is a remote one, a
// server of its own).

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace ipc::test {

// The names of the backends to run each case against.
inline auto backends()
{
    return Catch::Generators::values<std::string>({ "local" });
}

class Backend {
public:
    explicit Backend(std::string name)
        : m_name(std::move(name))
    {
        UNSCOPED_INFO("backend: " << m_name);
        ::setenv("IPC_DIR", (m_temp / "run").c_str(), 1);
        ::setenv("IPC_STATE_DIR", (m_temp / "state").c_str(), 1);
    }
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
};

}
