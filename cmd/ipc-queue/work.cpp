// ipc-queue work: at-least-once processing of queue NAME by CMD, one run per
// item (ipc::queue::Worker).

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/worker.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace queue_cmd {

namespace {

struct WorkOptions {
    std::string name;
    std::vector<std::string> command;
    ipc::BackendOptions backend;
    std::optional<std::uint64_t> jobs, max_attempts, count;
    std::optional<ipc::Duration> lease, backoff, handler_timeout;
    ipc::framing::Options framing;
    bool drain = false;
    bool create = false;
};

ipc::Exit work(WorkOptions const& options)
{
    if (options.command.empty())
        ipc::cli::usage_error("work: CMD is required");
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = open_to_consume(options.backend, name, options.create);
    ipc::queue::Worker worker(*queue, name,
        { .command = options.command,
            .jobs = options.jobs.value_or(1),
            .max_attempts = options.max_attempts.value_or(ipc::queue::default_max_attempts),
            .lease = options.lease.value_or(ipc::queue::default_lease),
            .backoff = options.backoff.value_or(ipc::queue::default_backoff),
            .handler_timeout = options.handler_timeout,
            .count = options.count,
            .drain = options.drain,
            .terminator = ipc::framing::terminator(options.framing) });
    return worker.run();
}

}

void add_work(CLI::App& app)
{
    auto options = std::make_shared<WorkOptions>();
    auto* command = ipc::cli::add_command(
        app, "work", "run CMD once per item of queue NAME, item on stdin", options, work);
    ipc::cli::add_framing(*command, options->framing, ipc::cli::Direction::Input);
    ipc::cli::add_count(*command, "-j,--jobs", options->jobs, "run up to N handlers at once (1)");
    ipc::cli::add_count(*command, "--max-attempts", options->max_attempts,
        fmt::format(
            "move an item to the dead list after N tries ({})", ipc::queue::default_max_attempts));
    ipc::cli::add_duration(*command, "--lease", options->lease, "lease each item for D (5m)");
    ipc::cli::add_duration(
        *command, "--backoff", options->backoff, "wait D before the first retry, doubling (1s)");
    ipc::cli::add_duration(
        *command, "--handler-timeout", options->handler_timeout, "kill a handler after D");
    ipc::cli::add_count(*command, "-n,--count", options->count, "stop after N items");
    ipc::cli::add_backend(*command, options->backend);
    command->add_flag("--drain", options->drain, "stop once no live item is left");
    command->add_flag("--create", options->create, "create queue NAME if it does not exist");
    command->add_option("NAME", options->name, "queue name")->required();
    command->add_option("CMD", options->command, "the handler and its arguments, after --");
}
}
