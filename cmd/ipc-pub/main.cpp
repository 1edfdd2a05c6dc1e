// ipc-pub: publish each MESSAGE, or each message read from stdin, on TOPIC.

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace {

// Lines are published in runs of up to this many bytes, many per frame.
constexpr std::size_t run_limit = 128 * 1024;

struct Options {
    std::string topic;
    std::vector<std::string> messages;
    bool retain = false;
    bool drop = false;
    std::optional<std::uint64_t> wait_subs;
    std::optional<ipc::Duration> timeout;
    std::optional<ipc::Duration> interval;
    ipc::framing::Options framing;
};

}

int main(int argc, char** argv)
{
    Options options;
    CLI::App app { "Publish each MESSAGE, or each message read from stdin, on TOPIC.", "ipc-pub" };
    ipc::cli::add_standard(app);
    ipc::cli::add_framing(app, options.framing, ipc::cli::Direction::Input);
    ipc::cli::add_max_size(app, options.framing.max_size);
    app.add_flag("--retain", options.retain, "keep the last message for later subscribers");
    app.add_flag("--drop", options.drop, "skip slow subscribers instead of waiting");
    ipc::cli::add_count(app, "--wait-subs", options.wait_subs, "first wait for N subscribers");
    ipc::cli::add_duration(app, "-t,--timeout", options.timeout, "give up a wait after D; exit 124");
    ipc::cli::add_duration(app, "--interval", options.interval, "wait D between messages");
    app.add_option("TOPIC", options.topic, "topic name (optional with --json)");
    app.add_option("MESSAGE", options.messages, "messages to publish instead of reading stdin");

    return ipc::cli::run(app, argc, argv, [&] {
        if (options.topic.empty() && !options.framing.json)
            throw ipc::Error(ipc::Exit::Usage, "TOPIC is required", "try 'ipc-pub --help'");
        if (!options.topic.empty())
            options.topic = ipc::parse_name(options.topic, "topic"); // Bad names exit 2.
        ipc::Stop stop({}); // SIGINT and SIGTERM.
        auto publisher = ipc::open_publisher(
            { .overflow = options.drop ? ipc::pubsub::Overflow::Drop : ipc::pubsub::Overflow::Block,
                .retain = options.retain,
                .timeout = options.timeout },
            stop);
        bool going = !options.wait_subs || publisher->wait_for_subscribers(options.topic, *options.wait_subs);
        auto const pace = [&] {
            return !options.interval || (publisher->flush() && stop.sleep(*options.interval));
        };
        if (!options.messages.empty()) {
            for (std::size_t i = 0; going && i < options.messages.size(); ++i)
                going = (i == 0 || pace()) && publisher->publish({ options.messages[i], options.topic });
        } else if (going) {
            ipc::framing::Reader in(STDIN_FILENO, options.framing);
            in.set_on_idle([&] { return going = publisher->wait_readable(STDIN_FILENO); });
            std::string last_topic; // The last envelope topic checked, to check each once.
            bool const runs = !options.framing.json && !options.interval;
            while (going) {
                if (auto const run = runs ? in.next_run(run_limit) : std::string_view {};
                    !run.empty()) {
                    going = publisher->publish_run(options.topic, options.framing.delimiter, run);
                    continue;
                }
                auto message = in.next();
                if (!message)
                    break;
                if (message->topic.empty())
                    message->topic = options.topic;
                if (message->topic.empty())
                    throw ipc::Error(ipc::Exit::Usage,
                        fmt::format("stdin: message {} has no topic", in.count()),
                        "give a TOPIC argument or a \"topic\" member");
                if (message->topic != last_topic)
                    last_topic = ipc::parse_name(message->topic, "topic");
                going = (in.count() == 1 || pace()) && publisher->publish(*message);
            }
        }
        going = going && publisher->flush();
        if (auto const dropped = publisher->dropped())
            ipc::warn("{}: dropped {} messages for slow subscribers (--drop)",
                options.topic.empty() ? "*" : options.topic, dropped);
        return going ? ipc::Exit::Ok : stop.interrupted_exit();
    });
}
