#pragma once

// The one top-level handler: parses, runs the body, flushes stdout, and maps
// every exception to the one-line error and the exit status of DESIGN section 4.

#include "ipc/core/error.hpp"

#include <functional>

namespace CLI {
class App;
}

namespace ipc::cli {

int run(CLI::App& app, int argc, char** argv, std::function<Exit()> const& body);

}
