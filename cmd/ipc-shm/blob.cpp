// ipc-shm put, get, rm, path: named objects (get also reads boards); ls and
// stat are in ls.cpp.

#include "shm.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/board.hpp"
#include "ipc/shm/catalogue.hpp"
#include "ipc/shm/object.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace shm_cmd {

namespace {

struct BlobOptions {
    std::string name;
    std::string file;
    mode_t mode = 0600;
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
    ipc::Fd in(::open(options.file.c_str(), O_RDONLY | O_CLOEXEC));
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

void add_name(CLI::App& command, BlobOptions& options, std::string const& help)
{
    command.add_option("NAME", options.name, help)->required();
}

}

void add_blob(CLI::App& app)
{
    auto options = std::make_shared<BlobOptions>();
    auto const add
        = [&](char const* name, char const* help, ipc::Exit (*action)(BlobOptions const&)) {
              return ipc::cli::add_command(app, name, help, options, action);
          };

    auto* put_command = add("put", "store FILE, or all of stdin, as object NAME", put);
    add_mode(*put_command, options->mode);
    add_name(*put_command, *options, "object name");
    put_command->add_option("FILE", options->file, "file to store instead of stdin");

    auto* get_command = add("get", "print object NAME, or a board's value", get);
    ipc::cli::add_framing(*get_command, options->framing, ipc::cli::Direction::Output);
    add_name(*get_command, *options, "object or board name");

    add_ls(app);
    add_stat(app);
    add_name(*add("rm", "remove segment NAME", remove), *options, "segment name");
    add_name(*add("path", "print the file of segment NAME", path), *options, "segment name");
}

}
