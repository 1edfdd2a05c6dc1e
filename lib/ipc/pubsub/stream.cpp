#include "ipc/pubsub/stream.hpp"

#include "ipc/names/name.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace ipc::pubsub {

namespace {

// Lines are published in runs of up to this many bytes, many per frame.
constexpr std::size_t run_limit = 128 * 1024;

// Waits --interval before every message but the first.
bool pace(Publisher& publisher, StreamOptions const& options, Stop& stop, bool first)
{
    return first || !options.interval || (publisher.flush() && stop.sleep(*options.interval));
}

}

bool publish_messages(Publisher& publisher, std::vector<std::string> const& messages,
    StreamOptions const& options, Stop& stop)
{
    for (std::size_t i = 0; i < messages.size(); ++i)
        if (!pace(publisher, options, stop, i == 0)
            || !publisher.publish({ messages[i], options.topic }))
            return false;
    return true;
}

bool publish_stream(
    Publisher& publisher, framing::Reader& in, StreamOptions const& options, Stop& stop)
{
    bool going = true;
    in.set_on_idle([&] { return going = publisher.wait_readable(STDIN_FILENO); });
    bool const runs = !options.json && !options.interval;
    std::string checked; // The last envelope topic found valid, to check each once.
    while (going) {
        if (auto const run = runs ? in.next_run(run_limit) : std::string_view {}; !run.empty()) {
            going = publisher.publish_run(options.topic, options.delimiter, run);
            continue;
        }
        auto message = in.next();
        if (!message)
            break;
        if (message->topic.empty())
            message->topic = options.topic;
        if (message->topic.empty())
            throw Error(Exit::Usage, fmt::format("stdin: message {} has no topic", in.count()),
                "give a TOPIC argument or a \"topic\" member");
        if (message->topic != checked)
            checked = parse_name(message->topic, "topic");
        going = pace(publisher, options, stop, in.count() == 1) && publisher.publish(*message);
    }
    return going;
}

}
