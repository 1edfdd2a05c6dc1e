#pragma once

// The runtime directory (sockets, registrations, retained messages) and the
// state directory (durable queues), with the safety checks of DESIGN section 2.

#include <string>

namespace ipc {

// $IPC_DIR, else /tmp/ipc-<uid>. Creates it (mode 0700, parents as needed for
// $IPC_DIR) when create is true. Throws Error(Usage) when it is a symlink, is
// not a directory, is not owned by us, or is group- or world-accessible; the
// message names the path and says how to fix it.
enum class Create { No, Yes };
std::string runtime_dir(Create create = Create::Yes);

// A subdirectory of the runtime dir ("sub", "svc/calc", "retain"), created 0700.
std::string runtime_subdir(std::string const& name, Create create = Create::Yes);

// A tag of $IPC_DIR for names that live outside it (shared-memory segments in
// /dev/shm), so that two runtime directories do not share them: 12 hex digits
// of a hash of its absolute, lexically normal path. Empty when IPC_DIR is
// unset or empty (the default runtime directory).
std::string runtime_scope();

// $IPC_STATE_DIR, else $XDG_STATE_HOME/ipc, else ~/.local/state/ipc; same checks.
std::string state_dir(Create create = Create::Yes);

}
