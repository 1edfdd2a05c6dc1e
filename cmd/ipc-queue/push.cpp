// ipc-queue push: add each ITEM, or each message of stdin, in transactions.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/sqlite_store.hpp"
#include "ipc/queue/wakeup.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace queue_cmd {

namespace {

using namespace std::chrono_literals;

// A batch from stdin is committed when input pauses, or at these sizes.
constexpr std::uint64_t batch_items = 50'000;
constexpr std::size_t batch_bytes = 16 << 20;
constexpr ipc::Duration default_dedup_window = 24h;
constexpr std::int64_t max_priority = 1'000'000'000;

struct PushOptions {
    std::string name;
    std::vector<std::string> items;
    ipc::framing::Options framing;
    std::optional<ipc::Duration> delay;
    std::optional<ipc::Duration> dedup_window;
    std::string key;
    std::int64_t priority = 0;
    ipc::queue::Sync sync = ipc::queue::Sync::Normal;
    bool verbose = false;
};

std::optional<std::int64_t> parse_priority(std::string_view text)
{
    bool const negative = text.starts_with('-');
    auto const magnitude = ipc::parse_number(negative ? text.substr(1) : text);
    if (!magnitude || *magnitude > max_priority)
        return std::nullopt;
    auto const value = static_cast<std::int64_t>(*magnitude);
    return negative ? -value : value;
}

ipc::Exit push(PushOptions const& options)
{
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = ipc::queue::open_sqlite(name, ipc::queue::Missing::Create, options.sync);
    ipc::queue::PushOptions const item { .delay = options.delay.value_or(ipc::Duration {}),
        .priority = options.priority };
    // With --id the whole push is one transaction, so the key and the items
    // are stored together or not at all.
    bool const keyed = !options.key.empty();
    bool open = false; // A transaction is open. The destructor rolls it back.
    if (keyed) {
        queue->begin();
        open = true;
        if (!queue->claim_key(options.key, options.dedup_window.value_or(default_dedup_window))) {
            queue->rollback();
            if (options.verbose)
                ipc::warn(
                    "{}: --id {}: pushed before; nothing added", name, ipc::printable(options.key));
            return ipc::Exit::Ok;
        }
    }
    std::uint64_t pending = 0;
    std::size_t pending_bytes = 0;
    auto const add = [&](std::string_view data) {
        if (!open) { // Begun with the first item, so no lock is held while input pauses.
            queue->begin();
            open = true;
        }
        queue->add(data, item);
        ++pending;
        pending_bytes += data.size();
    };
    auto const commit = [&] {
        if (!open || keyed)
            return;
        queue->commit();
        open = false;
        ipc::queue::ring(name);
        pending = 0;
        pending_bytes = 0;
    };
    if (!options.items.empty()) {
        for (auto const& data : options.items)
            add(data);
    } else {
        ipc::framing::Reader in(STDIN_FILENO, options.framing);
        in.set_on_idle([&] {
            commit(); // Input paused: store what we have before we wait.
            return true;
        });
        while (auto message = in.next()) {
            add(message->data);
            if (pending >= batch_items || pending_bytes >= batch_bytes)
                commit();
        }
    }
    if (open) {
        queue->commit();
        ipc::queue::ring(name);
    }
    return ipc::Exit::Ok;
}

}

void add_push(CLI::App& app, Action& action)
{
    auto* command
        = app.add_subcommand("push", "add each ITEM, or each message from stdin, to queue NAME");
    auto options = std::make_shared<PushOptions>();
    ipc::cli::add_framing(*command, options->framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(*command, options->framing.max_size);
    ipc::cli::add_duration(
        *command, "--delay", options->delay, "deliver no earlier than D from now");
    command->add_option("--id", options->key, "push only once per KEY within the dedup window")
        ->type_name("KEY");
    ipc::cli::add_duration(
        *command, "--dedup-window", options->dedup_window, "how long an --id is remembered (24h)");
    command
        ->add_option_function<std::string>(
            "--priority",
            [options](std::string const& text) {
                auto const priority = parse_priority(text);
                if (!priority)
                    throw CLI::ValidationError("--priority",
                        fmt::format("'{}' is not a whole number from -{} to {}", text, max_priority,
                            max_priority));
                options->priority = *priority;
            },
            "higher first; FIFO within a priority (0)")
        ->type_name("N");
    command
        ->add_option_function<std::string>(
            "--sync",
            [options](std::string const& text) {
                if (text != "normal" && text != "full")
                    throw CLI::ValidationError(
                        "--sync", fmt::format("'{}' is not 'normal' or 'full'", text));
                options->sync = text == "full" ? ipc::queue::Sync::Full : ipc::queue::Sync::Normal;
            },
            "full: fsync every commit, for power loss (normal)")
        ->type_name("MODE");
    command->add_flag("-v,--verbose", options->verbose, "say so when --id finds a duplicate");
    command->add_option("NAME", options->name, "queue name")->required();
    command->add_option("ITEM", options->items, "items to add instead of reading stdin");
    command->callback([&action, options] { action = [options] { return push(*options); }; });
}

}
