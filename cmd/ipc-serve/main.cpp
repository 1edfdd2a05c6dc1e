// ipc-serve: answer requests on ADDRESS with CMD: one process per request,
// long-lived co-processes (--pipe), one process per client (--session), or
// by hand on stdin/stdout (no CMD).

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/listing.hpp"
#include "ipc/names/address.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <thread>

namespace {

constexpr std::uint64_t max_jobs = 4096;

struct Options {
    std::string address;
    std::vector<std::string> command;
    bool pipe = false;
    bool list = false, json = false;
    bool verbose = false;
    bool session = false;
    std::optional<std::uint64_t> jobs, count;
    std::optional<ipc::Duration> handler_timeout;
    std::string ready_file;
    ipc::framing::Options framing;
    ipc::cli::Security security;
    ipc::BackendOptions backend;
};

}

int main(int argc, char** argv)
{
    Options options;
    CLI::App app { "Answer requests on ADDRESS with CMD, or by hand on stdin and stdout.",
        "ipc-serve" };
    ipc::cli::add_standard(app);
    ipc::cli::add_backend(app, options.backend);
    // Requests and replies are plain bytes: no --json.
    ipc::cli::add_framing(app, options.framing, ipc::cli::Direction::Input, { .json = false });
    ipc::cli::add_security(app, options.security);
    auto* pipe
        = app.add_flag("--pipe", options.pipe, "start CMD once and pipe every request through it");
    app.add_flag("--session", options.session,
           "start CMD for each client and pipe that client's requests through it")
        ->excludes(pipe);
    ipc::cli::add_count(app, "-j,--jobs", options.jobs,
        fmt::format("run N handlers at once (CPUs; --pipe: 1; --session: {} sessions)",
            ipc::reqrep::default_sessions));
    ipc::cli::add_duration(app, "--handler-timeout", options.handler_timeout,
        fmt::format("kill a handler that takes over D to answer (--pipe, --session: {})",
            ipc::format_duration(ipc::reqrep::default_pipe_timeout)));
    ipc::cli::add_count(app, "-n,--count", options.count, "serve N requests, then exit");
    app.add_option("--ready-file", options.ready_file, "write the address to F once serving")
        ->type_name("F");
    app.add_flag("-v,--verbose", options.verbose, "log each request on stderr");
    app.add_option("ADDRESS", options.address, "service NAME, unix:/path or tcp://HOST:PORT");
    app.add_option("CMD", options.command, "the handler and its arguments, after --");
    app.add_flag("--json", options.json, "with --list: one JSON object per line");
    ipc::cli::add_list(app, options.list, "list the servers (of NAME: 69 if none)");

    return ipc::cli::run(app, argc, argv, [&] {
        if (options.list) {
            if (!options.command.empty())
                ipc::cli::usage_error("--list takes no CMD");
            return ipc::print_servers(options.backend, options.address,
                options.json ? ipc::ListFormat::Json : ipc::ListFormat::Table);
        }
        if (options.json)
            ipc::cli::usage_error("--json goes with --list (requests and replies are plain bytes)");
        if (options.address.empty())
            ipc::cli::usage_error("ADDRESS is required");
        auto const address = ipc::parse_address(options.address); // Bad names exit 2.
        if (options.pipe && options.command.empty())
            throw ipc::Error(ipc::Exit::Usage, "--pipe needs a command",
                "write it as 'ipc-serve NAME --pipe -- CMD ARGS'");
        if (options.session && options.command.empty())
            throw ipc::Error(ipc::Exit::Usage, "--session needs a command",
                "write it as 'ipc-serve NAME --session -- CMD ARGS'");
        if (options.handler_timeout && options.command.empty())
            throw ipc::Error(ipc::Exit::Usage, "--handler-timeout needs a command",
                "it limits a handler: 'ipc-serve NAME --handler-timeout D [--pipe] -- CMD'");
        if (options.jobs && *options.jobs > max_jobs)
            throw ipc::Error(ipc::Exit::Usage,
                fmt::format("--jobs: {} is more than {} handlers at once", *options.jobs, max_jobs),
                "use a smaller -j");
        auto const cpus = std::max(1u, std::thread::hardware_concurrency());
        std::uint64_t const jobs
            = options.session ? ipc::reqrep::default_sessions : (options.pipe ? 1 : cpus);
        ipc::Stop stop({}); // SIGINT and SIGTERM drain, then exit 0; a second one 130/143.
        auto server = ipc::open_server(options.backend,
            { .address = address,
                .access = options.security.access,
                .max_size = options.security.max_size,
                .count = options.count,
                .ready_file = options.ready_file,
                .verbose = options.verbose },
            { .command = options.command,
                .pipe = options.pipe,
                .session = options.session,
                .jobs = options.jobs.value_or(jobs),
                .handler_timeout = options.handler_timeout,
                .framing = options.framing,
                .max_size = options.security.max_size,
                .name = address.text() },
            stop);
        return server->run();
    });
}
