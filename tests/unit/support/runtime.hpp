#pragma once

// A private runtime dir ($IPC_DIR) for one test, removed afterwards.

#include "support/temp_dir.hpp"

#include <cstdlib>

namespace ipc::test {

struct Runtime {
    TempDir temp;
    Runtime() { ::setenv("IPC_DIR", (temp.path().string() + "/run").c_str(), 1); }
    ~Runtime() { ::unsetenv("IPC_DIR"); }
};

}
