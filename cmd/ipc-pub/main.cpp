// ipc-pub: publish each MESSAGE, or each message read from stdin, on TOPIC.

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/listing.hpp"
#include "ipc/names/name.hpp"
#include "ipc/pubsub/stream.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace {

struct Options {
    std::string topic;
    std::vector<std::string> messages;
    bool retain = false;
    bool drop = false;
    bool list = false;
    std::optional<std::uint64_t> wait_subs;
    std::optional<ipc::Duration> timeout;
    std::optional<ipc::Duration> interval;
    ipc::framing::Options framing;
    ipc::BackendOptions backend;
};

}

int main(int argc, char** argv)
{
    Options options;
    CLI::App app { "Publish each MESSAGE, or each message read from stdin, on TOPIC.", "ipc-pub" };
    ipc::cli::add_standard(app);
    ipc::cli::add_backend(app, options.backend);
    ipc::cli::add_framing(app, options.framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(app, options.framing.max_size);
    app.add_flag("--retain", options.retain, "keep the last message for later subscribers");
    app.add_flag("--drop", options.drop, "skip slow subscribers instead of waiting");
    ipc::cli::add_count(app, "--wait-subs", options.wait_subs, "first wait for N subscribers");
    ipc::cli::add_duration(
        app, "-t,--timeout", options.timeout, "give up a wait after D; exit 124");
    ipc::cli::add_duration(app, "--interval", options.interval, "wait D between messages");
    app.add_option("TOPIC", options.topic, "topic name (optional with --json; --list: a pattern)");
    app.add_option("MESSAGE", options.messages, "messages to publish instead of reading stdin");
    ipc::cli::add_list(app, options.list, "list the retained topics (matching TOPIC as a pattern)");

    return ipc::cli::run(app, argc, argv, [&] {
        if (options.list) {
            if (!options.messages.empty())
                ipc::cli::usage_error("--list takes one PATTERN");
            return ipc::print_retained(options.backend, options.topic,
                options.framing.json ? ipc::ListFormat::Json : ipc::ListFormat::Table);
        }
        if (options.topic.empty() && !options.framing.json)
            ipc::cli::usage_error("TOPIC is required");
        if (!options.topic.empty())
            options.topic = ipc::parse_name(options.topic, "topic"); // Bad names exit 2.
        ipc::Stop stop({}); // SIGINT and SIGTERM.
        auto publisher = ipc::open_publisher(options.backend,
            { .overflow = options.drop ? ipc::pubsub::Overflow::Drop : ipc::pubsub::Overflow::Block,
                .retain = options.retain,
                .timeout = options.timeout },
            stop);
        ipc::pubsub::StreamOptions const stream { options.topic, options.framing.delimiter,
            options.framing.json, options.interval };
        bool going = !options.wait_subs
            || publisher->wait_for_subscribers(options.topic, *options.wait_subs);
        if (going && !options.messages.empty()) {
            going = ipc::pubsub::publish_messages(*publisher, options.messages, stream, stop);
        } else if (going) {
            ipc::framing::Reader in(STDIN_FILENO, options.framing);
            going = ipc::pubsub::publish_stream(*publisher, in, stream, stop);
        }
        going = going && publisher->finish();
        for (auto const& [subscriber, delivered, dropped] : publisher->drops())
            ipc::warn("{}: dropped {} of {} messages for the slow subscriber with {} (--drop)",
                options.topic.empty() ? "*" : options.topic, dropped, delivered + dropped,
                subscriber);
        return going ? ipc::Exit::Ok : stop.interrupted_exit();
    });
}
