// ipc-queue pop: take items to stdout; each is removed only once it was
// written and flushed, so a crash or a closed stdout loses nothing.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/poller.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/sqlite_store.hpp"
#include "ipc/queue/wakeup.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace queue_cmd {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t batch_items = 1000;
// Items being written are leased for this long: if pop dies before its
// flush, they come back once it runs out.
constexpr ipc::Duration pop_lease = 60s;
// The slow timer behind the doorbell, in case a ring was missed.
constexpr int fallback_ms = 5000;

struct PopOptions {
    std::string name;
    ipc::framing::Options framing;
    ipc::Limits limits;
    bool wait = false;
    bool fail_empty = false;
};

enum Tag : std::uint64_t { Bell, Signal, Output };

// Blocks until a ring, a due item, a signal or a limit; false to stop.
bool wait_for_items(
    ipc::io::Poller& poller, ipc::queue::Doorbell& bell, ipc::Stop& stop, ipc::queue::Queue& queue)
{
    int timeout = fallback_ms;
    if (auto const due = queue.next_due()) {
        auto const ms = std::chrono::ceil<std::chrono::milliseconds>(*due).count();
        timeout = static_cast<int>(std::clamp<std::int64_t>(ms, 0, fallback_ms));
    }
    if (int const limit = stop.wait_ms(); limit >= 0)
        timeout = std::min(timeout, limit);
    for (auto const& event : poller.wait(timeout)) {
        if (event.tag == Bell)
            bell.drain();
        else if (event.tag == Signal)
            stop.check_signal();
        else
            stop.output_closed();
    }
    return !stop.done();
}

void write_items(ipc::framing::Writer& out, bool json, std::vector<ipc::queue::Item> const& items,
    ipc::queue::Queue& queue)
{
    try {
        for (auto const& item : items)
            out.write({ item.data, {}, item.enqueued_ns },
                json ? item_fields(item) : ipc::framing::JsonFields {});
        out.flush();
    } catch (ipc::StdoutClosed const&) {
        // Caught here, besides run(), to give the items back at once rather
        // than when their lease runs out; the reader may have seen some, so
        // this is at-least-once, as documented.
        queue.release(items, "", {}, ipc::queue::Fate::Retry);
        throw;
    }
}

ipc::Exit pop(PopOptions const& options)
{
    auto const name = ipc::parse_name(options.name, "queue");
    auto queue = ipc::queue::open_sqlite(name);
    std::optional<ipc::queue::Doorbell> bell;
    if (options.wait)
        bell.emplace(name); // Before the first look, so no push is missed.
    ipc::Stop stop(options.limits);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    ipc::io::Poller poller;
    if (bell) {
        poller.add(bell->fd(), EPOLLIN, Bell);
        poller.add(stop.signal_fd(), EPOLLIN, Signal);
        if (poller.try_add(STDOUT_FILENO, 0, Output)) // Errors only: the reader left.
            stop.watch_output(STDOUT_FILENO);
    }
    while (!stop.done()) {
        stop.check_signal(); // Also between batches of a long drain, not only while waiting.
        if (stop.done())
            break;
        auto const items
            = queue->lease(std::min<std::uint64_t>(stop.remaining(), batch_items), pop_lease);
        if (!items.empty()) {
            write_items(out, options.framing.json, items, *queue);
            queue->ack(items);
            stop.count(items.size());
        } else if (!bell || !wait_for_items(poller, *bell, stop, *queue)) {
            break;
        }
    }
    if (!options.wait && stop.counted() == 0 && options.fail_empty)
        return ipc::Exit::TempFail;
    return stop.exit();
}

}

void add_pop(CLI::App& app, Action& action)
{
    auto* command = app.add_subcommand("pop", "take items from queue NAME to stdout");
    auto options = std::make_shared<PopOptions>();
    ipc::cli::add_framing(*command, options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_limits(*command, options->limits);
    command->add_flag("-w,--wait", options->wait, "wait for items when the queue is empty");
    command->add_flag("--fail-empty", options->fail_empty, "exit 75 when there was no item");
    command->add_option("NAME", options->name, "queue name")->required();
    command->callback([&action, options] { action = [options] { return pop(*options); }; });
}

}
