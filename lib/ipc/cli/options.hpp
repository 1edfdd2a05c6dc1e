#pragma once

// The option groups every tool shares, so one letter means one thing
// everywhere. Values are decoded by core/parse, never by CLI11.

#include "ipc/framing/options.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/url.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace CLI {
class App;
class Option;
}

namespace ipc::cli {

enum class Direction { Input, Output };

// --version, the help formatter, the "See ipc-x(1)" footer.
void add_standard(CLI::App& app);

// What a tool's framing group holds besides the framing flags themselves.
struct FramingFlags {
    bool json = true; // --json (no: a tool whose messages are plain bytes).
    bool verbose = false; // -v/--verbose: each topic before its message (output).
};

// -0/--null, --delimiter C, --whole, --len, --json; plus --line-buffered on
// output, and what flags adds or leaves out.
void add_framing(
    CLI::App& app, framing::Options& options, Direction direction, FramingFlags flags = {});

// -n/--count, -t/--timeout, --idle.
void add_limits(CLI::App& app, Limits& limits);

struct Security {
    io::Access access;
    std::size_t max_size = default_max_size;
};

// --allow-uid, --allow-group, --max-size.
void add_security(CLI::App& app, Security& security);

// --url URL, --creds FILE, --tls-ca FILE (also $IPC_URL, $IPC_CREDS,
// $IPC_TLS_CA): where the tool talks, local by default.
void add_backend(CLI::App& app, BackendOptions& backend);

// --max-size alone, for tools that only read stdin.
void add_max_size(CLI::App& app, std::size_t& max_size);

// An option whose text decode() takes, returning false for a bad value; the
// error is then "--name: 'TEXT' is not EXPECTED (try 'TOOL --help')".
CLI::Option* add_decoded(CLI::App& app, std::string const& names,
    std::function<bool(std::string_view)> decode, std::string expected, std::string help);

// An option decoded by one of the pure parsers of core/parse (the fuzzed
// ones), so bad values get our wording and CLI11's numeric quirks never
// apply: parse(text) returns an optional value, which is stored in out.
template<typename T, typename Parse>
CLI::Option* add_parsed(CLI::App& app, std::string const& names, T& out, Parse parse,
    std::string expected, std::string help)
{
    auto decode = [&out, parse](std::string_view text) {
        auto value = parse(text);
        if (value)
            out = std::move(*value);
        return value.has_value();
    };
    return add_decoded(app, names, decode, std::move(expected), std::move(help));
}

// An option taking one of a few words ("--sync normal|full"): the value paired
// with the word given is stored in out; others are "not 'normal' or 'full'".
CLI::Option* add_choice(CLI::App& app, std::string const& names,
    std::vector<std::string_view> words, std::function<void(std::size_t)> choose, std::string help);

template<typename T>
CLI::Option* add_choice(CLI::App& app, std::string const& names, T& out,
    std::vector<std::pair<std::string_view, T>> choices, std::string help)
{
    std::vector<std::string_view> words;
    for (auto const& choice : choices)
        words.push_back(choice.first);
    return add_choice(
        app, names, std::move(words),
        [&out, choices](std::size_t index) { out = choices[index].second; }, std::move(help));
}

// --list: the tool lists the endpoints of its kind that run now instead of
// doing its job (ipc-sub, ipc-serve, ipc-pub; listing.hpp). Add it last:
// given with any option added before it other than --help, --version, the
// backend's and --json, the command line is refused ("--list excludes
// --count", exit 2). Positionals are the tool's to check.
void add_list(CLI::App& app, bool& list, std::string help);

// An option taking a duration (for tool-specific flags such as --interval).
void add_duration(
    CLI::App& app, std::string const& names, std::optional<Duration>& out, std::string help);

// An option taking a count of 1 or more (for flags such as --wait-subs).
void add_count(
    CLI::App& app, std::string const& names, std::optional<std::uint64_t>& out, std::string help);

}
