// ipc-shm: shared memory from the shell: objects, streaming rings and
// latest-value boards; one file per group of subcommands beside this one.

#include "shm.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/names/name.hpp"
#include "ipc/names/url.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace shm_cmd {

void add_mode(CLI::App& command, mode_t& mode)
{
    ipc::cli::add_parsed(command, "--mode", mode, ipc::parse_mode, "an octal mode like 0600",
        "permissions of a new segment (default 0600)")
        ->type_name("MODE");
}

std::string parse_object_name(std::string const& name)
{
    return ipc::parse_name(name, "object");
}

}

int main(int argc, char** argv)
{
    CLI::App app { "Share objects, streams and latest values through POSIX shared memory.",
        "ipc-shm" };
    ipc::cli::add_standard(app);
    app.require_subcommand(1);
    // Shared memory never leaves this machine: --url may only say so, and
    // IPC_URL (for the tools that can use NATS) is not read.
    app.add_option_function<std::string>(
           "--url",
           [](std::string const& text) {
               std::string error;
               auto const url = ipc::try_parse_url(text, error);
               if (!url || !url->is_local())
                   throw ipc::Error(ipc::Exit::Usage,
                       fmt::format(
                           "--url {}: shared memory is local only", url ? url->shown() : text),
                       "leave out --url: ipc-shm ignores IPC_URL");
           },
           "only 'local': shared memory stays on this machine")
        ->type_name("URL");

    shm_cmd::add_blob(app); // put get ls stat rm path
    shm_cmd::add_ring(app); // write read
    shm_cmd::add_board(app); // set watch

    return ipc::cli::run(app, argc, argv); // The chosen subcommand's action.
}
