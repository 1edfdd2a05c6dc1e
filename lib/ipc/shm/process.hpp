#pragma once

// A process named in shared memory, told apart from a later process that got
// the same pid by its start time (field 22 of /proc/PID/stat), so that a
// writer or reader killed with SIGKILL is seen dead even after pid reuse.

#include <cstdint>

namespace ipc::shm {

struct ProcessId {
    std::int32_t pid = 0;
    std::uint64_t start = 0; // Clock ticks after boot; 0 when unknown.
};

// This process.
ProcessId self_process();

// The start time of pid, 0 when it cannot be read (no such process).
std::uint64_t process_start(std::int32_t pid);

// False when the process is gone, a zombie, or another one with its pid.
// A start of 0 is not compared (the owner had not written it yet).
bool alive(ProcessId process);

}
