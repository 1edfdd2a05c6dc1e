// ipc-shm write and read: a stream of messages through a ring buffer.

#include "shm.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/shm/ring_stream.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <unistd.h>

namespace shm_cmd {

namespace {

struct RingOptions {
    std::string name;
    std::optional<std::size_t> size;
    mode_t mode = 0600;
    bool lossy = false;
    std::optional<std::uint64_t> wait_readers;
    std::vector<std::string> messages;
    ipc::framing::Options framing;
    ipc::Limits limits;
};

ipc::Exit write(RingOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::Stop stop(options.limits); // --count, --timeout, --idle, SIGINT, SIGTERM.
    ipc::shm::Ring ring(ipc::shm::Store {}, name, options.size, options.mode);
    ipc::shm::RingWriter writer(
        ring, options.lossy ? ipc::shm::Overflow::Lossy : ipc::shm::Overflow::Block, stop);
    if (options.wait_readers && !writer.wait_for_readers(*options.wait_readers))
        return stop.interrupted_exit();
    if (!options.messages.empty()) {
        bool going = true;
        for (std::size_t i = 0; going && i < options.messages.size() && !stop.done(); ++i) {
            going = writer.write_message(options.messages[i]);
            stop.count_one();
        }
        writer.end();
        return going && (!stop.done() || stop.count_reached()) ? ipc::Exit::Ok
                                                               : stop.interrupted_exit();
    }
    bool const complete = ipc::shm::write_stream(writer, STDIN_FILENO, options.framing, stop);
    writer.end();
    return complete ? ipc::Exit::Ok : stop.interrupted_exit();
}

ipc::Exit read(RingOptions const& options)
{
    auto const name = parse_object_name(options.name);
    ipc::Stop stop(options.limits); // --count, --timeout, --idle, SIGINT, SIGTERM.
    stop.watch_output(STDOUT_FILENO);
    ipc::shm::Ring ring(ipc::shm::Store {}, name, options.size, options.mode);
    {
        ipc::shm::RingReader reader(ring, stop);
        ipc::framing::Writer out(STDOUT_FILENO, options.framing);
        ipc::shm::read_stream(reader, out, name, stop);
        out.flush();
    }
    ring.remove_if_unused(); // A mistyped name leaves nothing behind.
    return stop.exit(); // Ok, or Timeout when --timeout ran out first.
}

void add_size(CLI::App& command, std::optional<std::size_t>& size)
{
    auto const parse = [](std::string_view text) -> std::optional<std::size_t> {
        auto const bytes
            = ipc::parse_size_in(text, ipc::shm::min_ring_size, ipc::shm::max_ring_size);
        return bytes ? ipc::shm::ring_capacity(*bytes) : std::nullopt;
    };
    ipc::cli::add_parsed(command, "--size", size, parse, "a size from 64K to 1G, like 1M",
        fmt::format("capacity of a new ring, rounded up to a power of two ({}M)",
            ipc::shm::default_ring_size >> 20))
        ->type_name("N");
}

}

void add_ring(CLI::App& app)
{
    auto write_options = std::make_shared<RingOptions>();
    auto* write_command = ipc::cli::add_command(
        app, "write", "stream each message from stdin into ring NAME", write_options, write);
    ipc::cli::add_framing(*write_command, write_options->framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(*write_command, write_options->framing.max_size);
    ipc::cli::add_limits(*write_command, write_options->limits);
    add_size(*write_command, write_options->size);
    add_mode(*write_command, write_options->mode);
    write_command->add_flag(
        "--lossy", write_options->lossy, "overwrite what slow readers did not read yet");
    ipc::cli::add_count(
        *write_command, "--wait-readers", write_options->wait_readers, "first wait for N readers");
    write_command->add_option("NAME", write_options->name, "ring name")->required();
    write_command->add_option(
        "MESSAGE", write_options->messages, "messages to write instead of reading stdin");

    auto read_options = std::make_shared<RingOptions>();
    auto* read_command = ipc::cli::add_command(
        app, "read", "print each message written to ring NAME", read_options, read);
    ipc::cli::add_framing(*read_command, read_options->framing, ipc::cli::Direction::Output);
    ipc::cli::add_limits(*read_command, read_options->limits);
    add_size(*read_command, read_options->size);
    add_mode(*read_command, read_options->mode);
    read_command->add_option("NAME", read_options->name, "ring name")->required();
}

}
