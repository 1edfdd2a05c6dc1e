// ipc-shm put, get, ls, rm, path, stat: named objects (get also reads boards).

#include "shm.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/framing/json.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/board.hpp"
#include "ipc/shm/catalogue.hpp"
#include "ipc/shm/object.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace shm_cmd {

namespace {

ipc::MessageView text(std::string_view data)
{
    return { data, {}, 0 };
}

struct BlobOptions {
    std::string name;
    std::string file;
    mode_t mode = 0600;
    bool json = false;
    ipc::framing::Options framing;
};

ipc::Exit put(BlobOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::shm::Store const store;
    if (options.file.empty() || options.file == "-") {
        ipc::shm::put_object(store, name, STDIN_FILENO, "stdin", options.mode);
        return ipc::Exit::Ok;
    }
    ipc::io::Fd in(::open(options.file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in)
        throw ipc::SystemError(ipc::Exit::IoError,
            fmt::format("{}: {}", ipc::printable(options.file), std::strerror(errno)), errno);
    ipc::shm::put_object(store, name, in.get(), ipc::printable(options.file), options.mode);
    return ipc::Exit::Ok;
}

ipc::Exit get(BlobOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::shm::Store const store;
    if (ipc::shm::existing_kind(store, name) == ipc::shm::Kind::Board) {
        auto value = ipc::shm::Board(store, name, ipc::shm::Board::Create::No).get();
        if (!value)
            throw ipc::Error(ipc::Exit::Unavailable,
                fmt::format("{}: the board has no value yet", name),
                fmt::format("set one with 'ipc-shm set {} VALUE'", name));
        ipc::framing::Writer out(STDOUT_FILENO, options.framing);
        out.write({ *value, name, 0 });
        out.flush();
        return ipc::Exit::Ok;
    }
    ipc::shm::Object const object(store, name); // Absent, corrupt or a ring: throws.
    if (object.send_to(STDOUT_FILENO))
        return ipc::Exit::Ok;
    ipc::framing::Options raw;
    raw.mode = ipc::framing::Mode::Whole;
    ipc::framing::Writer out(STDOUT_FILENO, raw);
    out.write(text(object.data()));
    out.flush();
    return ipc::Exit::Ok;
}

std::int64_t age_seconds(ipc::shm::Info const& info)
{
    auto const now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return std::max<std::int64_t>(0, (now - info.mtime_ns) / 1'000'000'000);
}

// "42s", "7m", "3h", "12d": as much precision as a glance needs.
std::string format_age(std::int64_t seconds)
{
    if (seconds < 120)
        return fmt::format("{}s", seconds);
    if (seconds < 2 * 3600)
        return fmt::format("{}m", seconds / 60);
    if (seconds < 2 * 86400)
        return fmt::format("{}h", seconds / 3600);
    return fmt::format("{}d", seconds / 86400);
}

std::string_view kind_text(ipc::shm::Info const& info)
{
    return info.kind ? ipc::shm::kind_name(*info.kind) : "invalid";
}

std::string json_line(ipc::shm::Info const& info, ipc::shm::Store const& store)
{
    std::string line = "{\"name\":";
    ipc::framing::append_json_string(line, info.name);
    line += fmt::format(",\"path\":\"{}\",\"kind\":\"{}\",\"size\":{},\"owner\":",
        store.path(info.name), kind_text(info), info.size);
    ipc::framing::append_json_string(line, ipc::shm::user_name(info.owner));
    line += fmt::format(",\"mode\":\"{:04o}\",\"age\":{}", info.mode, age_seconds(info));
    if (!info.problem.empty()) {
        line += ",\"problem\":";
        ipc::framing::append_json_string(line, info.problem);
    }
    return line + "}";
}

ipc::Exit list(BlobOptions const& options)
{
    ipc::shm::Store const store;
    ipc::framing::Writer out(STDOUT_FILENO, {});
    auto const infos = ipc::shm::list(store);
    if (options.json) {
        for (auto const& info : infos)
            out.write(text(json_line(info, store)));
    } else {
        std::size_t width = 4;
        for (auto const& info : infos)
            width = std::max(width, info.name.size());
        auto const row = [&](auto const& name, auto const& size, auto const& kind,
                             auto const& owner, auto const& mode, auto const& age) {
            out.write(text(fmt::format("{:<{}}  {:>10}  {:<7}  {:<8}  {:<4}  {}", name, width, size,
                kind, owner, mode, age)));
        };
        row("NAME", "SIZE", "KIND", "OWNER", "MODE", "AGE");
        for (auto const& info : infos)
            row(info.name, info.size, kind_text(info), ipc::shm::user_name(info.owner),
                fmt::format("{:04o}", info.mode), format_age(age_seconds(info)));
    }
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit stat(BlobOptions const& options)
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
            ipc::shm::user_name(info.owner), info.mode, format_age(age_seconds(info)))));
        if (!info.problem.empty())
            out.write(text(fmt::format("problem: {}", info.problem)));
    }
    out.flush();
    return ipc::Exit::Ok;
}

ipc::Exit remove(BlobOptions const& options)
{
    ipc::shm::remove(ipc::shm::Store {}, parse_object_name(options.name));
    return ipc::Exit::Ok;
}

ipc::Exit path(BlobOptions const& options)
{
    ipc::framing::Writer out(STDOUT_FILENO, {});
    out.write(text(ipc::shm::Store {}.path(parse_object_name(options.name))));
    out.flush();
    return ipc::Exit::Ok;
}

// Registers one subcommand whose action is run(options).
CLI::App* add(CLI::App& app, Action& action, std::string const& name, std::string const& help,
    std::shared_ptr<BlobOptions> const& options, ipc::Exit (*run)(BlobOptions const&))
{
    auto* command = app.add_subcommand(name, help);
    command->callback(
        [&action, options, run] { action = [options, run] { return run(*options); }; });
    return command;
}

void add_name(CLI::App& command, BlobOptions& options, std::string const& help)
{
    command.add_option("NAME", options.name, help)->required();
}

}

void add_blob(CLI::App& app, Action& action)
{
    auto options = std::make_shared<BlobOptions>();

    auto* put_command
        = add(app, action, "put", "store FILE, or all of stdin, as object NAME", options, put);
    add_mode(*put_command, options->mode);
    add_name(*put_command, *options, "object name");
    put_command->add_option("FILE", options->file, "file to store instead of stdin");

    auto* get_command
        = add(app, action, "get", "print object NAME, or a board's value", options, get);
    ipc::cli::add_framing(*get_command, options->framing, ipc::cli::Direction::Output);
    add_name(*get_command, *options, "object or board name");

    auto* ls_command = add(app, action, "ls", "list the shared-memory segments", options, list);
    ls_command->add_flag("--json", options->json, "one JSON object per line");

    auto* stat_command = add(app, action, "stat", "describe segment NAME", options, stat);
    stat_command->add_flag("--json", options->json, "one JSON object");
    add_name(*stat_command, *options, "segment name");

    add_name(
        *add(app, action, "rm", "remove segment NAME", options, remove), *options, "segment name");
    add_name(*add(app, action, "path", "print the file of segment NAME", options, path), *options,
        "segment name");
}

}
