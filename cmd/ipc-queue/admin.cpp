// ipc-queue peek, stat, ls, dead, retry, purge, rm: looking at queues and
// tidying them up.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/queue.hpp"
#include "ipc/queue/sqlite_store.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace queue_cmd {

namespace {

constexpr std::uint64_t default_peek = 10;

using ipc::queue::Missing;

struct AdminOptions {
    std::string name;
    std::vector<std::string> ids;
    ipc::framing::Options framing;
    std::optional<std::uint64_t> count;
    bool all = false;
};

void write_line(ipc::framing::Writer& out, std::string const& text)
{
    out.write({ text, {}, 0 });
}

std::unique_ptr<ipc::queue::Queue> open_existing(std::string const& name)
{
    return ipc::queue::open_sqlite(ipc::parse_name(name, "queue"), Missing::Fail);
}

ipc::Exit peek(AdminOptions const& options)
{
    auto queue = open_existing(options.name);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    for (auto const& item : queue->peek(options.count.value_or(default_peek)))
        out.write({ item.data, {}, item.enqueued_ns }, ipc::queue::json_fields(item));
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit dead(AdminOptions const& options)
{
    auto queue = open_existing(options.name);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    for (auto const& item : queue->dead(options.count.value_or(UINT64_MAX))) {
        if (options.framing.json) {
            std::string error;
            ipc::framing::append_json_string(error, item.error);
            auto fields = ipc::queue::json_fields(item);
            fields.emplace_back("error", std::move(error));
            out.write({ item.data, {}, item.enqueued_ns }, fields);
        } else {
            // "ID<TAB>ERROR<TAB>DATA": the error's last line, made printable.
            auto error = std::string_view(item.error);
            while (error.ends_with('\n'))
                error.remove_suffix(1);
            error = error.substr(error.rfind('\n') + 1);
            write_line(out, fmt::format("{}\t{}\t{}", item.id, ipc::printable(error), item.data));
        }
    }
    out.flush();
    return ipc::Exit::Ok;
}

std::string age(std::optional<ipc::Duration> age)
{
    if (!age)
        return "-";
    return ipc::format_duration(std::chrono::floor<std::chrono::milliseconds>(*age));
}

std::string stat_line(std::string const& name, ipc::queue::Stats const& stats, bool json)
{
    if (!json)
        return fmt::format("{:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9.1f} {:>9.1f}", name,
            stats.ready, stats.delayed, stats.leased, stats.dead, age(stats.oldest_age),
            stats.pushed_per_s, stats.done_per_s);
    std::string quoted;
    ipc::framing::append_json_string(quoted, name);
    auto const oldest = stats.oldest_age
        ? std::to_string(std::chrono::floor<std::chrono::milliseconds>(*stats.oldest_age).count())
        : std::string("null");
    return fmt::format("{{\"queue\":{},\"ready\":{},\"delayed\":{},\"leased\":{},"
                       "\"dead\":{},\"oldest_age_ms\":{},\"in_per_s\":{:.1f},"
                       "\"out_per_s\":{:.1f}}}",
        quoted, stats.ready, stats.delayed, stats.leased, stats.dead, oldest, stats.pushed_per_s,
        stats.done_per_s);
}

ipc::Exit stat(AdminOptions const& options)
{
    std::vector<std::string> names;
    if (options.name.empty())
        names = ipc::queue::list_queues();
    else
        names.push_back(ipc::parse_name(options.name, "queue"));
    ipc::framing::Writer out(STDOUT_FILENO, {});
    if (!options.framing.json)
        write_line(out,
            fmt::format("{:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}", "QUEUE", "READY",
                "DELAYED", "LEASED", "DEAD", "OLDEST", "IN/S", "OUT/S"));
    auto exit = ipc::Exit::Ok;
    for (auto const& name : names) {
        // A catch site of its own (STYLE section 6): among every queue, one
        // that cannot be read must not hide the others. It is reported, and
        // the exit status is its error's.
        try {
            auto const stats = ipc::queue::open_sqlite(name, Missing::Fail)->stats();
            write_line(out, stat_line(name, stats, options.framing.json));
        } catch (ipc::Error const& e) {
            if (!options.name.empty())
                throw;
            out.flush(); // The lines before it first.
            ipc::warn("{}{}", e.what(), e.hint().empty() ? "" : fmt::format(" ({})", e.hint()));
            if (exit == ipc::Exit::Ok)
                exit = e.exit();
        }
    }
    out.flush();
    return exit;
}

ipc::Exit list(AdminOptions const&)
{
    ipc::framing::Writer out(STDOUT_FILENO, {});
    for (auto const& name : ipc::queue::list_queues())
        write_line(out, name);
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit retry(AdminOptions const& options)
{
    if (options.all == !options.ids.empty())
        throw ipc::Error(ipc::Exit::Usage, "retry: give either --all or item IDs",
            "try 'ipc-queue retry --help'");
    std::vector<ipc::queue::Id> ids;
    for (auto const& text : options.ids) {
        auto const id = ipc::parse_count(text);
        if (!id)
            throw ipc::Error(ipc::Exit::Usage,
                fmt::format("{}: not an item ID", ipc::printable(text)),
                "see 'ipc-queue dead NAME'");
        ids.push_back(static_cast<ipc::queue::Id>(*id));
    }
    auto queue = open_existing(options.name);
    if (options.all) {
        queue->retry({});
        return ipc::Exit::Ok;
    }
    auto exit = ipc::Exit::Ok;
    for (auto const id : ids) {
        if (queue->retry(std::span(&id, 1)) == 0) {
            ipc::warn("{}: item {} is not on the dead list", options.name, id);
            exit = ipc::Exit::Failed;
        }
    }
    return exit;
}

ipc::Exit purge(AdminOptions const& options)
{
    open_existing(options.name)->purge();
    return ipc::Exit::Ok;
}

ipc::Exit remove(AdminOptions const& options)
{
    ipc::queue::remove_queue(ipc::parse_name(options.name, "queue"));
    return ipc::Exit::Ok;
}

using Run = ipc::Exit (*)(AdminOptions const&);

CLI::App* add(CLI::App& app, Action& action, std::string const& name, std::string const& help,
    std::shared_ptr<AdminOptions> const& options, Run body)
{
    auto* command = app.add_subcommand(name, help);
    command->callback(
        [&action, options, body] { action = [options, body] { return body(*options); }; });
    return command;
}

}

void add_admin(CLI::App& app, Action& action)
{
    auto options = std::make_shared<AdminOptions>();

    auto* peek_command
        = add(app, action, "peek", "show the next items of queue NAME", options, peek);
    ipc::cli::add_framing(*peek_command, options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_count(*peek_command, "-n,--count", options->count, "show up to N items (10)");
    peek_command->add_option("NAME", options->name, "queue name")->required();

    auto* stat_command = add(
        app, action, "stat", "show the counts of queue NAME, or of every queue", options, stat);
    stat_command->add_flag("--json", options->framing.json, "one JSON object per queue");
    stat_command->add_option("NAME", options->name, "queue name");

    add(app, action, "ls", "list the queues", options, list);

    auto* dead_command = add(
        app, action, "dead", "show the dead items of queue NAME and their errors", options, dead);
    ipc::cli::add_framing(*dead_command, options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_count(*dead_command, "-n,--count", options->count, "show up to N items");
    dead_command->add_option("NAME", options->name, "queue name")->required();

    auto* retry_command
        = add(app, action, "retry", "put dead items of queue NAME back in line", options, retry);
    retry_command->add_flag("--all", options->all, "retry every dead item");
    retry_command->add_option("NAME", options->name, "queue name")->required();
    retry_command->add_option("ID", options->ids, "the items to retry");

    add(app, action, "purge", "delete every item of queue NAME", options, purge)
        ->add_option("NAME", options->name, "queue name")
        ->required();
    add(app, action, "rm", "delete queue NAME", options, remove)
        ->add_option("NAME", options->name, "queue name")
        ->required();
}

}
