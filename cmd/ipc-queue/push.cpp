// ipc-queue push: add each ITEM, or each message of stdin, in transactions.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
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

// Stores the items in batches, each committed when input pauses and at
// batch_items or batch_bytes, so that no lock is held while input waits;
// stored() says how many items a failure leaves stored.
class Batches {
public:
    Batches(ipc::queue::Queue& queue, std::string const& name, ipc::queue::PushOptions options)
        : m_queue(queue)
        , m_name(name)
        , m_options(options)
    {
    }

    void add(std::string_view data)
    {
        if (!m_open) { // Begun with the first item, so no lock is held while input pauses.
            m_queue.begin();
            m_open = true;
        }
        m_queue.add(data, m_options);
        ++m_pending;
        m_pending_bytes += data.size();
        if (m_pending >= batch_items || m_pending_bytes >= batch_bytes)
            commit();
    }

    // Stores the batch begun, if any; with finish_key, marks the push under
    // its key done with it.
    void commit(bool finish_key = false)
    {
        if (finish_key && !m_open) {
            m_queue.begin();
            m_open = true;
        }
        if (!m_open)
            return;
        if (finish_key)
            m_queue.finish_key();
        m_queue.commit();
        m_open = false;
        ipc::queue::ring(m_name);
        m_stored += m_pending;
        m_pending = 0;
        m_pending_bytes = 0;
    }

    std::uint64_t stored() const { return m_stored; }

private:
    ipc::queue::Queue& m_queue;
    std::string const& m_name;
    ipc::queue::PushOptions m_options;
    bool m_open = false; // A batch is begun; the Queue rolls it back if it is never committed.
    std::uint64_t m_pending = 0;
    std::size_t m_pending_bytes = 0;
    std::uint64_t m_stored = 0;
};

// Under --id: claims the key; false when a push under it finished already.
// skip is then the count of items an earlier push under it stored before
// it failed.
bool claim(ipc::queue::Queue& queue, std::string const& name, PushOptions const& options,
    std::uint64_t& skip)
{
    auto const key = ipc::printable(options.key);
    auto const claim
        = queue.claim_key(options.key, options.dedup_window.value_or(default_dedup_window));
    switch (claim.status) {
    case ipc::queue::KeyClaim::Status::Busy:
        throw ipc::Error(ipc::Exit::TempFail,
            fmt::format("{}: --id {}: another push with this key is running", name, key),
            "try again once it has finished");
    case ipc::queue::KeyClaim::Status::Done:
        if (options.verbose)
            ipc::warn("{}: --id {}: pushed before; nothing added", name, key);
        return false;
    case ipc::queue::KeyClaim::Status::Claimed:
        break;
    }
    skip = claim.stored;
    if (skip != 0 && options.verbose)
        ipc::warn("{}: --id {}: {} items were stored before; adding the rest", name, key, skip);
    return true;
}

ipc::Exit push(PushOptions const& options)
{
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = ipc::queue::open_sqlite(name, ipc::queue::Missing::Create, options.sync);
    bool const keyed = !options.key.empty();
    std::uint64_t skip = 0; // Items stored by an earlier, failed push under the key.
    if (keyed && !claim(*queue, name, options, skip))
        return ipc::Exit::Ok;
    Batches batches(*queue, name,
        { .delay = options.delay.value_or(ipc::Duration {}), .priority = options.priority });
    auto const add = [&](std::string_view data) {
        if (skip > 0)
            --skip;
        else
            batches.add(data);
    };
    // The third catch site (STYLE section 6): a failure after some batches
    // were stored must say so, for they stay.
    try {
        if (!options.items.empty()) {
            for (auto const& data : options.items)
                add(data);
        } else {
            ipc::framing::Reader in(STDIN_FILENO, options.framing);
            in.set_on_idle([&] {
                batches.commit(); // Input paused: store what we have before we wait.
                return true;
            });
            while (auto message = in.next())
                add(message->data);
        }
        batches.commit(keyed);
    } catch (ipc::Error const& e) {
        if (batches.stored() == 0)
            throw;
        auto const hint = keyed
            ? fmt::format(
                "run the same push with --id {} again to add the rest", ipc::printable(options.key))
            : std::string("a re-run stores them again; with --id KEY it would not");
        throw ipc::Error(e.exit(),
            fmt::format("{}; {} items were stored before the error", e.what(), batches.stored()),
            e.hint().empty() ? hint : e.hint() + "; " + hint);
    }
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
    command->add_flag("-v,--verbose", options->verbose, "say so when --id finds a duplicate");
    command->add_option("NAME", options->name, "queue name")->required();
    command->add_option("ITEM", options->items, "items to add instead of reading stdin");
}
}
