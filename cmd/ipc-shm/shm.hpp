#pragma once

// Declarations shared by the ipc-shm subcommands, one file per group.

#include "ipc/core/error.hpp"
#include "ipc/shm/segment.hpp"

#include <functional>
#include <string>
#include <sys/types.h>

namespace CLI {
class App;
}

namespace shm_cmd {

// Set by the chosen subcommand's callback; main runs it inside cli::run().
using Action = std::function<ipc::Exit()>;

// Objects: put get ls rm path stat (get also reads boards).
void add_blob(CLI::App& app, Action& action);

// Rings: write read.
void add_ring(CLI::App& app, Action& action);

// Boards: set watch.
void add_board(CLI::App& app, Action& action);

// --mode MODE for subcommands that create segments.
void add_mode(CLI::App& command, mode_t& mode);

// NAME checked as DESIGN section 2 says (exit 2 when bad).
std::string parse_object_name(std::string const& name);

}
