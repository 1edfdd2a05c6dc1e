// ipc-queue stat: the counts of one queue, or of every queue, as a table or
// as one JSON object per queue; or one count of one queue, bare (--field).

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/time.hpp"
#include "ipc/framing/json_object.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/names/name.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

namespace queue_cmd {

namespace {

struct StatOptions {
    std::string name; // Empty: every queue.
    ipc::BackendOptions backend;
    bool json = false;
    std::string field; // Empty: every one.
};

constexpr auto row_format = "{:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}";

std::string age(std::optional<ipc::Duration> age)
{
    if (!age)
        return "-";
    return ipc::format_age(*age);
}

// A rate as the table shows it: "-" where the store counts none.
std::string rate_text(ipc::queue::Stats const& stats, double per_s)
{
    return stats.rates ? fmt::format("{:.1f}", per_s) : std::string("-");
}

std::string stat_line(std::string const& name, ipc::queue::Stats const& stats, bool json)
{
    auto const rate = [&](double per_s) { return rate_text(stats, per_s); };
    if (!json)
        return fmt::format(row_format, name, stats.ready, stats.delayed, stats.leased, stats.dead,
            age(stats.oldest_age), rate(stats.pushed_per_s), rate(stats.done_per_s));
    std::string line;
    ipc::framing::JsonObject object(line);
    object.string("queue", name)
        .number("ready", stats.ready)
        .number("delayed", stats.delayed)
        .number("leased", stats.leased)
        .number("dead", stats.dead);
    if (stats.oldest_age)
        object.number("oldest_age_ms",
            std::chrono::floor<std::chrono::milliseconds>(*stats.oldest_age).count());
    else
        object.null("oldest_age_ms");
    if (stats.rates)
        object.fixed("in_per_s", stats.pushed_per_s, 1).fixed("out_per_s", stats.done_per_s, 1);
    else
        object.null("in_per_s").null("out_per_s");
    if (stats.replicas) {
        object.number("replicas", *stats.replicas);
        if (stats.leader.empty())
            object.null("leader");
        else
            object.string("leader", stats.leader);
    }
    object.close();
    return line;
}

// The members of --json that --field prints, bare: null as "-".
std::optional<std::string> field_value(std::string_view field, ipc::queue::Stats const& stats)
{
    auto const rate = [&](double per_s) { return rate_text(stats, per_s); };
    if (field == "ready")
        return std::to_string(stats.ready);
    if (field == "delayed")
        return std::to_string(stats.delayed);
    if (field == "leased")
        return std::to_string(stats.leased);
    if (field == "dead")
        return std::to_string(stats.dead);
    if (field == "oldest_age_ms")
        return stats.oldest_age ? std::to_string(
                   std::chrono::floor<std::chrono::milliseconds>(*stats.oldest_age).count())
                                : "-";
    if (field == "in_per_s")
        return rate(stats.pushed_per_s);
    if (field == "out_per_s")
        return rate(stats.done_per_s);
    if (field == "replicas")
        return stats.replicas ? std::to_string(*stats.replicas) : "-";
    if (field == "leader")
        return stats.leader.empty() ? "-" : stats.leader;
    return std::nullopt;
}

constexpr auto field_names
    = "ready, delayed, leased, dead, oldest_age_ms, in_per_s, out_per_s, replicas, leader";

ipc::Exit stat_field(StatOptions const& options)
{
    if (options.name.empty())
        ipc::cli::usage_error("stat: --field needs a queue NAME");
    if (!field_value(options.field, {}))
        throw ipc::Error(ipc::Exit::Usage,
            fmt::format("stat: --field {}: no such field", ipc::printable(options.field)),
            fmt::format("one of {}", field_names));
    auto const name = ipc::parse_name(options.name, "queue");
    auto const stats = ipc::open_queue(options.backend, name, ipc::queue::Missing::Fail)->stats();
    ipc::framing::Writer out(STDOUT_FILENO, {});
    out.write({ *field_value(options.field, stats), {}, 0 });
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit stat(StatOptions const& options)
{
    if (!options.field.empty())
        return stat_field(options);
    std::vector<std::string> names;
    if (options.name.empty())
        names = ipc::queue_names(options.backend);
    else
        names.push_back(ipc::parse_name(options.name, "queue"));
    ipc::framing::Writer out(STDOUT_FILENO, {});
    if (!options.json)
        out.write({ fmt::format(row_format, "QUEUE", "READY", "DELAYED", "LEASED", "DEAD", "OLDEST",
                        "IN/S", "OUT/S"),
            {}, 0 });
    auto exit = ipc::Exit::Ok;
    for (auto const& name : names) {
        // A catch site of its own (STYLE section 6): among every queue, one
        // that cannot be read must not hide the others. It is reported, and
        // the exit status is its error's.
        try {
            auto const stats
                = ipc::open_queue(options.backend, name, ipc::queue::Missing::Fail)->stats();
            out.write({ stat_line(name, stats, options.json), {}, 0 });
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

}

void add_stat(CLI::App& app)
{
    auto options = std::make_shared<StatOptions>();
    auto* command = ipc::cli::add_command(
        app, "stat", "show the counts of queue NAME, or of every queue", options, stat);
    auto* json = command->add_flag("--json", options->json, "one JSON object per queue");
    auto* field = command->add_option(
        "--field", options->field, "print only field F of queue NAME, bare (e.g. dead)");
    field->type_name("F");
    json->excludes(field);
    field->excludes(json);
    ipc::cli::add_backend(*command, options->backend);
    command->add_option("NAME", options->name, "queue name");
}

}
