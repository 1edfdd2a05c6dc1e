#pragma once

// ipc-queue's subcommands: each add_* registers one (or, for admin, several)
// and sets the action that main() runs inside ipc::cli::run().

#include "ipc/core/error.hpp"

#include <functional>

namespace CLI {
class App;
}

namespace queue_cmd {

using Action = std::function<ipc::Exit()>;

void add_push(CLI::App& app, Action& action);
void add_pop(CLI::App& app, Action& action);
void add_work(CLI::App& app, Action& action);
void add_admin(CLI::App& app, Action& action); // peek stat ls dead retry purge rm

}
