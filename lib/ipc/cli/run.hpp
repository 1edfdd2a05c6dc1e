#pragma once

// The one top-level handler: parses, runs the body, flushes stdout, and maps
// every exception to the one-line error and the exit status of DESIGN section 4.
// Tools with subcommands register each with add_command and call run()
// without a body: the chosen subcommand's action is the body.

#include "ipc/core/error.hpp"

#include <functional>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ipc::cli {

using Action = std::function<Exit()>;

int run(CLI::App& app, int argc, char** argv, Action const& body);

// Runs the action of the subcommand that the command line chose.
int run(CLI::App& app, int argc, char** argv);

// Adds subcommand NAME to app (with app's help flag, formatter and footer);
// when the command line chooses it, run() runs action. Returns the
// subcommand, for its options.
CLI::App* add_command(CLI::App& app, std::string name, std::string help, Action action);

// The same for an action that takes the options its flags fill: they are
// shared, so that several subcommands can fill one struct.
template<typename Options>
CLI::App* add_command(CLI::App& app, std::string name, std::string help,
    std::shared_ptr<Options> const& options, Exit (*action)(Options const&))
{
    return add_command(
        app, std::move(name), std::move(help), [options, action] { return action(*options); });
}

// Bad usage found after parsing ("work: CMD is required"): exits 2, and the
// error line ends with the hint a parse error gets, "(try 'TOOL SUB --help')".
[[noreturn]] void usage_error(std::string message);
}
