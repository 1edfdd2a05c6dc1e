// ipc-queue push: add each ITEM, or each message of stdin, in transactions.

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/pusher.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace queue_cmd {

namespace {

constexpr std::int64_t max_priority = 1'000'000'000;

struct PushOptions {
    std::string name;
    std::vector<std::string> items;
    ipc::BackendOptions backend;
    ipc::framing::Options framing;
    std::optional<ipc::Duration> delay;
    std::optional<ipc::Duration> dedup_window;
    std::string key;
    std::int64_t priority = 0;
    ipc::queue::Sync sync = ipc::queue::Sync::Normal;
    bool verbose = false;
};

void add_all(ipc::queue::Pusher& pusher, PushOptions const& options)
{
    if (!options.items.empty()) {
        for (auto const& data : options.items)
            pusher.add(data);
        return;
    }
    ipc::framing::Reader in(STDIN_FILENO, options.framing);
    in.set_on_idle([&] {
        pusher.pause(); // Input paused: store what we have before we wait.
        return true;
    });
    while (auto message = in.next())
        pusher.add(message->data);
}

ipc::Exit push(PushOptions const& options)
{
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = ipc::open_queue(options.backend, name, ipc::queue::Missing::Create, options.sync);
    bool const keyed = !options.key.empty();
    auto const said = [&](std::string_view what) {
        if (options.verbose)
            ipc::warn("{}: --id {}: {}", name, ipc::printable(options.key), what);
    };
    ipc::queue::Pusher pusher(*queue,
        { .delay = options.delay.value_or(ipc::Duration {}), .priority = options.priority },
        { options.key, options.dedup_window.value_or(ipc::queue::default_dedup_window) });
    if (pusher.finished()) {
        said("pushed before; nothing added");
        return ipc::Exit::Ok;
    }
    // The third catch site (STYLE section 6): a failure after some batches
    // were stored must say so, for they stay.
    try {
        add_all(pusher, options);
        pusher.finish();
    } catch (ipc::Error const& e) {
        auto const stored = pusher.total().stored;
        if (stored == 0)
            throw;
        auto const hint = keyed
            ? fmt::format(
                "run the same push with --id {} again to add the rest", ipc::printable(options.key))
            : std::string("a re-run stores them again; with --id KEY it would not");
        throw ipc::Error(e.exit(),
            fmt::format("{}; {} items were stored before the error", e.what(), stored),
            e.hint().empty() ? hint : e.hint() + "; " + hint);
    }
    if (auto const duplicates = pusher.total().duplicates; duplicates != 0)
        said(fmt::format("{} items were stored before; adding the rest", duplicates));
    return ipc::Exit::Ok;
}
}

void add_push(CLI::App& app)
{
    auto options = std::make_shared<PushOptions>();
    auto* command = ipc::cli::add_command(
        app, "push", "add each ITEM, or each message from stdin, to queue NAME", options, push);
    ipc::cli::add_framing(*command, options->framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(*command, options->framing.max_size);
    ipc::cli::add_duration(
        *command, "--delay", options->delay, "deliver no earlier than D from now");
    command->add_option("--id", options->key, "push only once per KEY within the dedup window")
        ->type_name("KEY");
    ipc::cli::add_duration(
        *command, "--dedup-window", options->dedup_window, "how long an --id is remembered (24h)");
    ipc::cli::add_parsed(
        *command, "--priority", options->priority,
        [](std::string_view text) { return ipc::parse_integer(text, -max_priority, max_priority); },
        fmt::format("a whole number from -{} to {}", max_priority, max_priority),
        "higher first; FIFO within a priority (0)")
        ->type_name("N");
    ipc::cli::add_choice(*command, "--sync", options->sync,
        { { "normal", ipc::queue::Sync::Normal }, { "full", ipc::queue::Sync::Full } },
        "full: fsync every commit, for power loss (normal)")
        ->type_name("MODE");
    ipc::cli::add_backend(*command, options->backend);
    command->add_flag("-v,--verbose", options->verbose, "say so when --id finds a duplicate");
    command->add_option("NAME", options->name, "queue name")->required();
    command->add_option("ITEM", options->items, "items to add instead of reading stdin");
}
}
