// ipc-sub: print each message published on a topic matching PATTERN.

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/lossy_output.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/listing.hpp"
#include "ipc/names/name.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/reqrep/tap.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <optional>
#include <unistd.h>

namespace {

struct Options {
    std::vector<std::string> patterns;
    std::string group;
    std::string tap;
    bool retained = true;
    bool list = false;
    std::optional<bool> drop; // Unset: drop when stdout is a terminal.
    std::size_t drop_buffer = ipc::io::default_drop_buffer;
    ipc::framing::Options framing;
    ipc::BackendOptions backend;
    ipc::Limits limits;
    ipc::cli::Security security;
};

// --tap: each event of the service as a line for people ("#12 < 1024"), or
// as it came with --json; gaps in a server's events are said on stderr.
void print_tap(ipc::MessageView const& message, ipc::framing::Writer& out, bool json,
    ipc::reqrep::TapGaps& gaps, std::string const& service)
{
    auto const event = ipc::reqrep::parse_tap_headers(message.headers);
    if (!event)
        return; // Published on the tap's topic by something else.
    if (auto const missed = gaps.see(*event))
        ipc::warn("{}: missed {} events of the service (this tap was too slow)", service, missed);
    if (json)
        out.write(message);
    else
        out.write({ .data = ipc::reqrep::tap_line(*event, message.data), .topic = {} });
}

}

int main(int argc, char** argv)
{
    Options options;
    CLI::App app { "Print each message published on a topic matching PATTERN.", "ipc-sub" };
    ipc::cli::add_standard(app);
    ipc::cli::add_backend(app, options.backend);
    ipc::cli::add_framing(app, options.framing, ipc::cli::Direction::Output, { .verbose = true });
    ipc::cli::add_limits(app, options.limits);
    ipc::cli::add_security(app, options.security);
    app.add_option(
           "-g,--group", options.group, "share messages with the other subscribers of GROUP")
        ->type_name("GROUP");
    app.add_flag_callback(
        "--no-retained", [&options] { options.retained = false; },
        "do not print retained messages first");
    auto* drop = app.add_flag_callback(
        "--drop", [&options] { options.drop = true; },
        "drop what a slow stdout cannot take (default on a tty)");
    auto* drop_buffer = ipc::cli::add_parsed(
        app, "--drop-buffer", options.drop_buffer,
        [](std::string_view text) -> std::optional<std::size_t> {
            return ipc::parse_size_in(text, 1, 0xFFFF'FFFFu);
        },
        "a size from 1 byte to 4G, like 64K or 16M",
        fmt::format(
            "--drop: hold up to N bytes for stdout ({}M)", ipc::io::default_drop_buffer >> 20));
    drop_buffer->type_name("N");
    app.add_flag_callback(
           "--no-drop", [&options] { options.drop = false; },
           "never drop: a slow stdout slows the publishers")
        ->excludes(drop)
        ->excludes(drop_buffer);
    auto* tap = app.add_option(
                       "--tap", options.tap, "show the requests and replies of local service NAME")
                    ->type_name("NAME");
    app.add_option(
           "PATTERN", options.patterns, "pattern: '*' is one token, '>' the rest (--list: a topic)")
        ->excludes(tap);
    ipc::cli::add_list(app, options.list, "list the subscribers (of TOPIC: 69 if none)");

    return ipc::cli::run(app, argc, argv, [&] {
        if (options.list) {
            if (options.patterns.size() > 1)
                ipc::cli::usage_error("--list takes one TOPIC");
            return ipc::print_subscribers(options.backend,
                options.patterns.empty() ? std::string() : options.patterns.front(),
                options.framing.json ? ipc::ListFormat::Json : ipc::ListFormat::Table);
        }
        if (options.patterns.empty() && options.tap.empty())
            throw ipc::Error(
                ipc::Exit::Usage, "a PATTERN or --tap NAME is needed", "try 'ipc-sub --help'");
        if (!options.tap.empty()) {
            ipc::parse_name(options.tap, "service");
            if (!options.backend.url.is_local())
                throw ipc::Error(ipc::Exit::Usage, "--tap: taps on services are local only",
                    fmt::format(
                        "on NATS, 'ipc-sub {}' shows the requests themselves", options.tap));
            options.patterns = { ipc::reqrep::tap_topic(options.tap) };
        }
        auto const patterns = ipc::parse_patterns(options.patterns); // Bad patterns exit 2.
        if (!options.group.empty())
            ipc::parse_name(options.group, "group");
        ipc::Stop stop(options.limits); // --count, --timeout, --idle, SIGINT, SIGTERM.
        stop.watch_output(STDOUT_FILENO);
        auto subscriber = ipc::open_subscriber(options.backend, patterns,
            { .group = options.group,
                .retained = options.retained,
                .max_size = options.security.max_size,
                .access = options.security.access });
        ipc::framing::Writer out(STDOUT_FILENO, options.framing);
        // A person watching a terminal cannot read faster than it shows, and
        // a stopped one must not stop the publishers; a pipe stays lossless.
        std::optional<ipc::io::LossyOutput> lossy;
        if (options.drop.value_or(drop_buffer->count() > 0 || ::isatty(STDOUT_FILENO) == 1))
            lossy.emplace(STDOUT_FILENO, options.drop_buffer, out, stop);
        auto const flush = [&out] { out.flush(); };
        ipc::reqrep::TapGaps gaps;
        // A tap's events one by one, to be read; plain messages in runs when they can.
        auto const delimiter = options.tap.empty() ? out.run_delimiter() : std::nullopt;
        ipc::pubsub::Subscriber::Run run;
        while (auto message = delimiter
                ? subscriber->receive_run(stop, flush, *delimiter, stop.remaining(), run)
                : subscriber->receive(stop, flush)) {
            if (lossy && !lossy->admit(message->data.size(), run.count)) {
                stop.count(0); // Dropped, but heard: --idle counts from it.
                continue;
            }
            if (!options.tap.empty())
                print_tap(*message, out, options.framing.json, gaps, options.tap);
            else if (run.run)
                out.write_run(message->data);
            else
                out.write(*message);
            stop.count(run.count);
        }
        out.flush();
        if (lossy)
            lossy->finish();
        return stop.exit(); // Ok, or Timeout when --timeout ran out first.
    });
}
