#pragma once

// The option groups every tool shares, so one letter means one thing
// everywhere. Values are decoded by core/parse, never by CLI11.

#include "ipc/framing/options.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ipc::cli {

enum class Direction { Input, Output };

// --version, the help formatter, the "See ipc-x(1)" footer.
void add_standard(CLI::App& app);

// -0/--null, --delimiter C, --whole, --len, --json; plus --line-buffered on output.
void add_framing(CLI::App& app, framing::Options& options, Direction direction);

// -n/--count, -t/--timeout, --idle.
void add_limits(CLI::App& app, Limits& limits);

struct Security {
    io::Access access;
    std::size_t max_size = default_max_size;
};

// --allow-uid, --allow-group, --max-size.
void add_security(CLI::App& app, Security& security);

// --max-size alone, for tools that only read stdin.
void add_max_size(CLI::App& app, std::size_t& max_size);

// An option taking a duration (for tool-specific flags such as --interval).
void add_duration(
    CLI::App& app, std::string const& names, std::optional<Duration>& out, std::string help);

// An option taking a count of 1 or more (for flags such as --wait-subs).
void add_count(
    CLI::App& app, std::string const& names, std::optional<std::uint64_t>& out, std::string help);

}
