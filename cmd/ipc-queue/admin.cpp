// ipc-queue peek, ls, dead, retry, purge, rm: looking at queues and tidying
// them up (stat is in stat.cpp).

#include "queue.hpp"

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
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
};

std::unique_ptr<ipc::queue::Queue> open_existing(AdminOptions const& options)
{
    return ipc::open_queue(
        options.backend, ipc::parse_name(options.name, "queue"), ipc::queue::Missing::Fail);
}

ipc::Exit peek(AdminOptions const& options)
{
    auto queue = open_existing(options);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    for (auto const& item : queue->peek(options.count.value_or(default_peek)))
        out.write({ item.data, {}, item.enqueued_ns }, ipc::queue::json_fields(item));
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

ipc::Exit retry(AdminOptions const& options)
{
    if (options.all == !options.ids.empty())
        ipc::cli::usage_error("retry: give either --all or item IDs");
    std::vector<ipc::queue::Id> ids;
    for (auto const& text : options.ids) {
        auto const id = ipc::parse_count(text);
        if (!id)
            throw ipc::Error(ipc::Exit::Usage,
                fmt::format("{}: not an item ID", ipc::printable(text)),
                "see 'ipc-queue dead NAME'");
        ids.push_back(static_cast<ipc::queue::Id>(*id));
    }
    auto queue = open_existing(options);
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
