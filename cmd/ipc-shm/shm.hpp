#pragma once

// Declarations shared by the ipc-shm subcommands, one file per group.

#include "ipc/core/error.hpp"
#include "ipc/core/message.hpp"
#include "ipc/shm/segment.hpp"

#include <string>
#include <sys/types.h>

namespace CLI {
class App;
}

namespace shm_cmd {

// Each add_* registers its subcommands with ipc::cli::add_command; main runs
// the chosen one inside ipc::cli::run().

// Objects: put get rm path, and ls stat from add_ls and add_stat (get also
// reads boards).
void add_blob(CLI::App& app);
void add_ls(CLI::App& app);
void add_stat(CLI::App& app);

// Rings: write read.
void add_ring(CLI::App& app);

// Boards: set watch.
void add_board(CLI::App& app);

// --mode MODE for subcommands that create segments.
void add_mode(CLI::App& command, mode_t& mode);

// NAME checked as DESIGN section 2 says (exit 2 when bad).
std::string parse_object_name(std::string const& name);

// A line of plain output for framing::Writer.
inline ipc::MessageView text(std::string_view data)
{
    return { data, {}, 0 };
}
}
