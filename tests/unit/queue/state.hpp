#pragma once

// A private state and runtime directory for one queue test.

#include "support/temp_dir.hpp"

#include <cstdlib>

namespace ipc::test {

struct QueueDirs {
    TempDir temp;
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
};

}
