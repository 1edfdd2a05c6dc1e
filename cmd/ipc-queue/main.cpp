// ipc-queue: a durable named queue; one file per subcommand beside this one.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"

#include <CLI/CLI.hpp>

int main(int argc, char** argv)
{
    CLI::App app { "Keep a durable named queue of messages.", "ipc-queue" };
    ipc::cli::add_standard(app);
    app.require_subcommand(1);

    queue_cmd::add_push(app);
    queue_cmd::add_pop(app);
    queue_cmd::add_work(app);
    queue_cmd::add_admin(app); // peek stat ls dead retry purge rm

    return ipc::cli::run(app, argc, argv); // The chosen subcommand's action.
}
