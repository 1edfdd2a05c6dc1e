// ipc-shm ls and stat: the segments of the store, as a table, as "key: value"
// lines, or as one JSON object per segment.

#include "shm.hpp"

#include "ipc/cli/run.hpp"
#include "ipc/core/time.hpp"
#include "ipc/framing/json_object.hpp"
#include "ipc/framing/table.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/shm/catalogue.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <unistd.h>

namespace shm_cmd {

namespace {

struct ListOptions {
    std::string name;
    bool json = false;
};

std::int64_t age_seconds(ipc::shm::Info const& info)
{
    return std::max<std::int64_t>(0, (ipc::now_ns() - info.mtime_ns) / 1'000'000'000);
}

std::string age_text(ipc::shm::Info const& info)
{
    return ipc::format_age(std::chrono::seconds(age_seconds(info)));
}

std::string_view kind_text(ipc::shm::Info const& info)
{
    return info.kind ? ipc::shm::kind_name(*info.kind) : "invalid";
}

std::string json_line(ipc::shm::Info const& info, ipc::shm::Store const& store)
{
    std::string line;
    ipc::framing::JsonObject object(line);
    object.string("name", info.name)
        .string("path", store.path(info.name))
        .string("kind", kind_text(info))
        .number("size", info.size)
        .string("owner", ipc::shm::user_name(info.owner))
        .string("mode", fmt::format("{:04o}", info.mode))
        .number("age", age_seconds(info));
    if (!info.problem.empty())
        object.string("problem", info.problem);
    object.close();
    return line;
}

ipc::Exit list(ListOptions const& options)
{
    ipc::shm::Store const store;
    ipc::framing::Writer out(STDOUT_FILENO, {});
    auto const infos = ipc::shm::list(store);
    if (options.json) {
        for (auto const& info : infos)
            out.write(text(json_line(info, store)));
    } else {
        std::vector<ipc::framing::Row> rows;
        for (auto const& info : infos)
            rows.push_back({ info.name, std::to_string(info.size), std::string(kind_text(info)),
                ipc::shm::user_name(info.owner), fmt::format("{:04o}", info.mode),
                age_text(info) });
        using ipc::framing::Align;
        for (auto const& line :
            ipc::framing::format_table({ { "NAME" }, { "SIZE", Align::Right }, { "KIND" },
                                           { "OWNER" }, { "MODE" }, { "AGE" } },
                rows))
            out.write(text(line));
    }
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit stat(ListOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::shm::Store const store;
    auto const info = ipc::shm::stat(store, name);
    ipc::framing::Writer out(STDOUT_FILENO, {});
    if (options.json) {
        out.write(text(json_line(info, store)));
    } else {
        out.write(text(fmt::format("name: {}\npath: {}\nkind: {}\nsize: {}\nowner: {}\nmode: "
                                   "{:04o}\nage: {}",
            info.name, store.path(name), kind_text(info), info.size,
            ipc::shm::user_name(info.owner), info.mode, age_text(info))));
        if (!info.problem.empty())
            out.write(text(fmt::format("problem: {}", info.problem)));
    }
    out.flush();
    return ipc::Exit::Ok;
}

}

void add_ls(CLI::App& app)
{
    auto options = std::make_shared<ListOptions>();
    ipc::cli::add_command(app, "ls", "list the shared-memory segments", options, list)
        ->add_flag("--json", options->json, "one JSON object per line");
}

void add_stat(CLI::App& app)
{
    auto options = std::make_shared<ListOptions>();
    auto* command = ipc::cli::add_command(app, "stat", "describe segment NAME", options, stat);
    command->add_flag("--json", options->json, "one JSON object");
    command->add_option("NAME", options->name, "segment name")->required();
}

}
