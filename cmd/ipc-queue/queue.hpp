#pragma once

// ipc-queue's subcommands: each add_* registers one (or, for admin, several)
// with ipc::cli::add_command; main() runs the chosen one inside ipc::cli::run().

#include "ipc/names/url.hpp"
#include "ipc/queue/queue.hpp"

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace queue_cmd {

void add_push(CLI::App& app);
void add_pop(CLI::App& app);
void add_work(CLI::App& app);
void add_admin(CLI::App& app); // peek stat ls dead retry purge rm
void add_stat(CLI::App& app); // Called by add_admin, to keep the order of --help.

// Opens queue name (validated) for pop or work: one that does not exist is
// an error (69) unless create, so a mistyped name fails instead of waiting
// on an empty queue forever.
std::unique_ptr<ipc::queue::Queue> open_to_consume(
    ipc::BackendOptions const& backend, std::string const& name, bool create);
}
