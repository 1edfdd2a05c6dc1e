#pragma once

// ipc-queue's subcommands: each add_* registers one (or, for admin, several)
// with ipc::cli::add_command; main() runs the chosen one inside ipc::cli::run().

namespace CLI {
class App;
}

namespace queue_cmd {

void add_push(CLI::App& app);
void add_pop(CLI::App& app);
void add_work(CLI::App& app);
void add_admin(CLI::App& app); // peek stat ls dead retry purge rm
void add_stat(CLI::App& app); // Called by add_admin, to keep the order of --help.
}
