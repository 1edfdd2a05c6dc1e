// ipc-queue peek, ls, dead, retry, drop, purge, rm: looking at queues and
// tidying them up (stat is in stat.cpp).

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/time.hpp"
#include "ipc/framing/json.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/queue.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace queue_cmd {

namespace {

constexpr std::uint64_t default_peek = 10;

struct AdminOptions {
    std::string name;
    ipc::BackendOptions backend;
    std::vector<std::string> ids;
    ipc::framing::Options framing;
    std::optional<std::uint64_t> count;
    bool all = false;
    bool leased = false, delayed = false; // peek: these instead of the ready items.
};

std::unique_ptr<ipc::queue::Queue> open_existing(AdminOptions const& options)
{
    return ipc::open_queue(
        options.backend, ipc::parse_name(options.name, "queue"), ipc::queue::Missing::Fail);
}

// "ID<TAB>HOLDER<TAB>DUE<TAB>DATA": HOLDER the pid of the consumer (- when
// delayed, or unknown), DUE the time left until it is due.
void write_waiting(
    ipc::framing::Writer& out, ipc::framing::Options const& framing, ipc::queue::Item const& item)
{
    auto const now = ipc::now_ns();
    if (framing.json) {
        auto fields = ipc::queue::json_fields(item);
        std::string due = "\"";
        ipc::append_rfc3339(due, item.due_ns);
        due += '"';
        fields.emplace_back("due", std::move(due));
        fields.emplace_back("holder", item.holder ? std::to_string(item.holder) : "null");
        out.write({ item.data, {}, item.enqueued_ns }, fields);
        return;
    }
    auto const holder = item.holder ? std::to_string(item.holder) : std::string("-");
    auto const left = ipc::format_age(ipc::Duration(std::max<std::int64_t>(0, item.due_ns - now)));
    out.write({ fmt::format("{}\t{}\t{}\t{}", item.id, holder, left, item.data), {}, 0 });
}

ipc::Exit peek(AdminOptions const& options)
{
    auto queue = open_existing(options);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    auto const count = options.count.value_or(default_peek);
    if (options.leased || options.delayed) {
        auto const which
            = options.leased ? ipc::queue::Waiting::Leased : ipc::queue::Waiting::Delayed;
        for (auto const& item : queue->waiting(which, count))
            write_waiting(out, options.framing, item);
    } else {
        for (auto const& item : queue->peek(count))
            out.write({ item.data, {}, item.enqueued_ns }, ipc::queue::json_fields(item));
    }
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit dead(AdminOptions const& options)
{
    auto queue = open_existing(options);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    for (auto const& item : queue->dead(options.count.value_or(UINT64_MAX))) {
        if (options.framing.json) {
            std::string error;
            ipc::framing::append_json_string(error, item.error);
            auto fields = ipc::queue::json_fields(item);
            fields.emplace_back("error", std::move(error));
            out.write({ item.data, {}, item.enqueued_ns }, fields);
            continue;
        }
        // "ID<TAB>ERROR<TAB>DATA": the error's last line, made printable.
        auto error = std::string_view(item.error);
        while (error.ends_with('\n'))
            error.remove_suffix(1);
        error = error.substr(error.rfind('\n') + 1);
        out.write({ fmt::format("{}\t{}\t{}", item.id, ipc::printable(error), item.data), {}, 0 });
    }
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit list(AdminOptions const& options)
{
    ipc::framing::Writer out(STDOUT_FILENO, {});
    for (auto const& name : ipc::queue_names(options.backend))
        out.write({ name, {}, 0 });
    out.flush();
    return ipc::Exit::Ok;
}

std::vector<ipc::queue::Id> parse_ids(AdminOptions const& options, char const* hint)
{
    std::vector<ipc::queue::Id> ids;
    for (auto const& text : options.ids) {
        auto const id = ipc::parse_count(text);
        if (!id)
            throw ipc::Error(
                ipc::Exit::Usage, fmt::format("{}: not an item ID", ipc::printable(text)), hint);
        ids.push_back(static_cast<ipc::queue::Id>(*id));
    }
    return ids;
}

// Acts on each id alone, so that each one missing is named; Failed then.
template<typename Act>
ipc::Exit each_id(AdminOptions const& options, std::vector<ipc::queue::Id> const& ids,
    char const* missing, Act act)
{
    auto exit = ipc::Exit::Ok;
    for (auto const id : ids) {
        if (act(std::span(&id, 1)) == 0) {
            ipc::warn("{}: item {} {}", options.name, id, missing);
            exit = ipc::Exit::Failed;
        }
    }
    return exit;
}

ipc::Exit retry(AdminOptions const& options)
{
    if (options.all == !options.ids.empty())
        ipc::cli::usage_error("retry: give either --all or item IDs");
    auto const ids = parse_ids(options, "see 'ipc-queue dead NAME'");
    auto queue = open_existing(options);
    if (options.all) {
        queue->retry({});
        return ipc::Exit::Ok;
    }
    return each_id(options, ids, "is not on the dead list",
        [&](std::span<ipc::queue::Id const> id) { return queue->retry(id); });
}

ipc::Exit drop(AdminOptions const& options)
{
    auto const ids = parse_ids(options, "see 'ipc-queue peek --json NAME'");
    auto queue = open_existing(options);
    return each_id(options, ids, "is not in the queue",
        [&](std::span<ipc::queue::Id const> id) { return queue->drop(id); });
}
}

void add_admin(CLI::App& app)
{
    auto options = std::make_shared<AdminOptions>();
    auto const add
        = [&](char const* name, char const* help, ipc::Exit (*action)(AdminOptions const&)) {
              // A backend of each command's own: CLI11 applies IPC_URL to
              // every command's --url, and one would overwrite another's.
              auto backend = std::make_shared<ipc::BackendOptions>();
              auto* command = ipc::cli::add_command(app, name, help, [=] {
                  auto given = *options;
                  given.backend = *backend;
                  return action(given);
              });
              ipc::cli::add_backend(*command, *backend);
              return command;
          };
    auto const add_name = [&](CLI::App* command) {
        command->add_option("NAME", options->name, "queue name")->required();
    };

    auto* peek_command = add("peek", "show the next items of queue NAME", peek);
    ipc::cli::add_framing(*peek_command, options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_count(*peek_command, "-n,--count", options->count, "show up to N items (10)");
    auto* leased = peek_command->add_flag(
        "--leased", options->leased, "show the leased items: ID HOLDER DUE DATA");
    auto* delayed = peek_command->add_flag(
        "--delayed", options->delayed, "show the items not due yet: ID - DUE DATA");
    leased->excludes(delayed);
    delayed->excludes(leased);
    add_name(peek_command);
    add_stat(app);
    add("ls", "list the queues", list);
    auto* dead_command = add("dead", "show the dead items of queue NAME and their errors", dead);
    ipc::cli::add_framing(*dead_command, options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_count(*dead_command, "-n,--count", options->count, "show up to N items");
    add_name(dead_command);
    auto* retry_command = add("retry", "put dead items of queue NAME back in line", retry);
    retry_command->add_flag("--all", options->all, "retry every dead item");
    add_name(retry_command);
    retry_command->add_option("ID", options->ids, "the items to retry");
    auto* drop_command = add("drop", "delete the items ID of queue NAME, dead or alive", drop);
    add_name(drop_command);
    drop_command->add_option("ID", options->ids, "the items to delete")->required();
    add_name(add("purge", "delete every item of queue NAME", [](AdminOptions const& given) {
        open_existing(given)->purge();
        return ipc::Exit::Ok;
    }));
    add_name(add("rm", "delete queue NAME", [](AdminOptions const& given) {
        ipc::remove_queue(given.backend, ipc::parse_name(given.name, "queue"));
        return ipc::Exit::Ok;
    }));
}

}
