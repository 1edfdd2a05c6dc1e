#pragma once

// A private state and runtime directory for one queue test, and a clock that
// moves only when the test says so.

#include "ipc/queue/sqlite_store.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

#include <cstdlib>
#include <memory>
#include <string>

namespace ipc::test {

struct QueueDirs {
    TempDir temp;
    FakeClock clock;
    QueueDirs()
    {
        ::setenv("IPC_STATE_DIR", (temp / "state").c_str(), 1);
        ::setenv("IPC_DIR", (temp / "run").c_str(), 1);
    }
    ~QueueDirs()
    {
        ::unsetenv("IPC_STATE_DIR");
        ::unsetenv("IPC_DIR");
    }

    // Opens (creating) queue name on the fake clock.
    std::unique_ptr<queue::Queue> open(std::string const& name)
    {
        return queue::open_sqlite(name, queue::Missing::Create, queue::Sync::Normal, clock);
    }
};

}
