// ipc-queue pop: take items to stdout; each is removed only once its reader
// has taken it (ipc::queue::Popper), so a crash or a reader that leaves
// loses nothing it did not read.

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/popper.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

namespace queue_cmd {

namespace {

struct PopOptions {
    std::string name;
    ipc::BackendOptions backend;
    ipc::queue::PopOptions pop;
    std::optional<ipc::Duration> lease;
    bool all = false;
    bool fail_empty = false;
    bool create = false;
};

ipc::Exit pop(PopOptions const& given)
{
    auto options = given;
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = open_to_consume(options.backend, name, options.create);
    if (!options.all && !options.pop.limits.count)
        options.pop.limits.count = 1; // One item, as LPOP and BLPOP take.
    options.pop.lease = options.lease.value_or(ipc::queue::default_pop_lease);
    ipc::queue::Popper popper(*queue, name, options.pop);
    auto const exit = popper.run();
    if (!options.pop.wait && options.fail_empty && popper.taken() == 0)
        return ipc::Exit::TempFail;
    return exit;
}

}

std::unique_ptr<ipc::queue::Queue> open_to_consume(
    ipc::BackendOptions const& backend, std::string const& name, bool create)
{
    if (create)
        return ipc::open_queue(backend, name, ipc::queue::Missing::Create);
    // A catch site of its own (STYLE section 6): the backend's error, with
    // the hint a consumer needs.
    try {
        return ipc::open_queue(backend, name, ipc::queue::Missing::Fail);
    } catch (ipc::queue::NoSuchQueue const&) {
        throw ipc::queue::NoSuchQueue(name, "push creates one; or give --create");
    }
}

void add_pop(CLI::App& app)
{
    auto options = std::make_shared<PopOptions>();
    auto* command
        = ipc::cli::add_command(app, "pop", "take items from queue NAME to stdout", options, pop);
    ipc::cli::add_framing(*command, options->pop.framing, ipc::cli::Direction::Output);
    ipc::cli::add_limits(*command, options->pop.limits);
    auto* all = command->add_flag("--all", options->all, "take every item, not just one");
    all->excludes(command->get_option("--count"));
    command->get_option("--count")->excludes(all);
    command->add_flag("-w,--wait", options->pop.wait, "wait for items when the queue is empty");
    ipc::cli::add_duration(*command, "--lease", options->lease,
        fmt::format("lease items for D until read, renewing it ({})",
            ipc::format_duration(ipc::queue::default_pop_lease)));
    ipc::cli::add_backend(*command, options->backend);
    command->add_flag("--fail-empty", options->fail_empty, "exit 75 when there was no item");
    command->add_flag("--create", options->create, "create queue NAME if it does not exist");
    command->add_option("NAME", options->name, "queue name")->required();
}
}
