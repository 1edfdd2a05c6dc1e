// ipc-shm set and watch: latest-value boards.

#include "shm.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/shm/board.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <unistd.h>

namespace shm_cmd {

namespace {

struct SetOptions {
    std::string name;
    std::vector<std::string> values;
    mode_t mode = 0600;
    ipc::framing::Options framing;
};

struct WatchOptions {
    std::string name;
    ipc::framing::Options framing;
    ipc::Limits limits;
};

ipc::Exit set(SetOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::shm::Board board(ipc::shm::Store {}, name, ipc::shm::Board::Create::Yes, options.mode);
    if (!options.values.empty()) {
        for (auto const& value : options.values)
            board.set(value);
        return ipc::Exit::Ok;
    }
    ipc::framing::Reader in(STDIN_FILENO, options.framing);
    while (auto const message = in.next())
        board.set(message->data);
    return ipc::Exit::Ok;
}

ipc::Exit watch(WatchOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::Stop stop(options.limits); // --count, --timeout, --idle, SIGINT, SIGTERM.
    stop.watch_output(STDOUT_FILENO);
    ipc::framing::Writer out(STDOUT_FILENO, options.framing);
    ipc::shm::watch(
        ipc::shm::Store {}, name, stop,
        [&](std::string_view value) {
            out.write({ value, name, 0 });
            stop.count_one();
        },
        [&] { out.flush(); });
    out.flush();
    return stop.exit(); // Ok, or Timeout when --timeout ran out first.
}

}

void add_board(CLI::App& app)
{
    auto set_options = std::make_shared<SetOptions>();
    auto* set_command = ipc::cli::add_command(app, "set",
        "make VALUE, or each message from stdin, the value of board NAME", set_options, set);
    ipc::cli::add_framing(*set_command, set_options->framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(*set_command, set_options->framing.max_size);
    add_mode(*set_command, set_options->mode);
    set_command->add_option("NAME", set_options->name, "board name")->required();
    set_command->add_option("VALUE", set_options->values, "values to set instead of reading stdin");

    auto watch_options = std::make_shared<WatchOptions>();
    auto* watch_command = ipc::cli::add_command(
        app, "watch", "print the value of board NAME and each new one", watch_options, watch);
    ipc::cli::add_framing(*watch_command, watch_options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_limits(*watch_command, watch_options->limits);
    watch_command->add_option("NAME", watch_options->name, "board name")->required();
}

}
