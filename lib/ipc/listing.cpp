// The listings of what runs now (listing.hpp): ipc-sub --list, ipc-serve
// --list, ipc-pub --list.

#include "ipc/listing.hpp"

#include "ipc/backend.hpp"
#include "ipc/core/time.hpp"
#include "ipc/framing/json_object.hpp"
#include "ipc/framing/table.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/names/name.hpp"
#include "ipc/names/pattern.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace ipc {

namespace {

using framing::Align;

// Whole seconds from time_ns to now_ns; never negative (a clock set back).
std::int64_t age_seconds(std::int64_t time_ns, std::int64_t now_ns)
{
    return std::max<std::int64_t>(0, (now_ns - time_ns) / 1'000'000'000);
}

std::string age_text(std::int64_t time_ns, std::int64_t now_ns)
{
    if (time_ns == 0)
        return "-";
    return format_age(std::chrono::seconds(age_seconds(time_ns, now_ns)));
}

template<typename T> std::string number_text(std::optional<T> value)
{
    return value ? std::to_string(*value) : std::string("-");
}

std::optional<std::int64_t> known(std::int64_t pid)
{
    return pid != 0 ? std::optional(pid) : std::nullopt;
}

void optional_string(framing::JsonObject& object, std::string_view key, std::string const& value)
{
    if (value.empty())
        object.null(key);
    else
        object.string(key, value);
}

template<typename T>
void optional_number(framing::JsonObject& object, std::string_view key, std::optional<T> value)
{
    if (value)
        object.number(key, *value);
    else
        object.null(key);
}

// pid, uid, since and age: what every running endpoint has.
void add_process(framing::JsonObject& object, std::int64_t pid, std::optional<std::int64_t> uid,
    std::int64_t since_ns, std::int64_t now_ns)
{
    optional_number(object, "pid", known(pid));
    optional_number(object, "uid", uid);
    if (since_ns == 0) {
        object.null("since").null("age");
        return;
    }
    std::string since;
    append_rfc3339(since, since_ns);
    object.string("since", since).number("age", age_seconds(since_ns, now_ns));
}

// One JSON object per item, its members written by add(object, item).
template<typename Item, typename Add>
std::vector<std::string> json_lines(std::vector<Item> const& items, Add const& add)
{
    std::vector<std::string> lines;
    for (auto const& item : items) {
        auto& line = lines.emplace_back();
        framing::JsonObject object(line);
        add(object, item);
    }
    return lines;
}

Exit print(std::vector<std::string> const& lines)
{
    framing::Writer out(STDOUT_FILENO, {});
    for (auto const& line : lines)
        out.write({ line, {}, 0 });
    out.flush();
    return Exit::Ok;
}

}

std::vector<std::string> subscriber_lines(
    std::vector<pubsub::SubscriberInfo> const& subscribers, ListFormat format, std::int64_t now_ns)
{
    if (format == ListFormat::Json)
        return json_lines(subscribers, [&](auto& object, auto const& subscriber) {
            object.strings("patterns", subscriber.patterns);
            optional_string(object, "group", subscriber.group);
            add_process(object, subscriber.pid, subscriber.uid, subscriber.since_ns, now_ns);
            optional_string(object, "address", subscriber.address);
        });
    std::vector<framing::Row> rows;
    for (auto const& subscriber : subscribers)
        for (auto const& pattern : subscriber.patterns)
            rows.push_back({ pattern, subscriber.group.empty() ? "-" : subscriber.group,
                number_text(known(subscriber.pid)), number_text(subscriber.uid),
                age_text(subscriber.since_ns, now_ns) });
    return framing::format_table(
        { { "PATTERN" }, { "GROUP" }, { "PID", Align::Right }, { "UID", Align::Right }, { "AGE" } },
        rows);
}

std::vector<std::string> server_lines(
    std::vector<reqrep::ServerInfo> const& servers, ListFormat format, std::int64_t now_ns)
{
    if (format == ListFormat::Json)
        return json_lines(servers, [&](auto& object, auto const& server) {
            object.string("name", server.name);
            add_process(object, server.pid, server.uid, server.since_ns, now_ns);
            optional_number(object, "served", server.served);
            optional_string(object, "address", server.address);
        });
    std::vector<framing::Row> rows;
    for (auto const& server : servers)
        rows.push_back({ server.name, number_text(known(server.pid)), number_text(server.uid),
            age_text(server.since_ns, now_ns), number_text(server.served),
            server.address.empty() ? "-" : server.address });
    return framing::format_table({ { "NAME" }, { "PID", Align::Right }, { "UID", Align::Right },
                                     { "AGE" }, { "SERVED", Align::Right }, { "ADDRESS" } },
        rows);
}

std::vector<std::string> retained_lines(
    std::vector<pubsub::RetainedInfo> const& topics, ListFormat format, std::int64_t now_ns)
{
    if (format == ListFormat::Json)
        return json_lines(topics, [&](auto& object, auto const& topic) {
            std::string time;
            append_rfc3339(time, topic.time_ns);
            object.string("topic", topic.topic)
                .number("size", topic.size)
                .string("time", time)
                .number("age", age_seconds(topic.time_ns, now_ns));
        });
    std::vector<framing::Row> rows;
    for (auto const& topic : topics)
        rows.push_back(
            { topic.topic, std::to_string(topic.size), age_text(topic.time_ns, now_ns) });
    return framing::format_table({ { "TOPIC" }, { "SIZE", Align::Right }, { "AGE" } }, rows);
}

Exit print_subscribers(BackendOptions const& backend, std::string const& topic, ListFormat format)
{
    std::optional<std::string> filter;
    if (!topic.empty())
        filter = parse_name(topic, "topic"); // A pattern is not a topic: exit 2.
    auto const subscribers = list_subscribers(backend, filter);
    if (filter && subscribers.empty())
        throw Error(Exit::Unavailable,
            fmt::format("{}: no subscriber would get a message published on it", *filter));
    return print(subscriber_lines(subscribers, format, now_ns()));
}

Exit print_servers(BackendOptions const& backend, std::string const& name, ListFormat format)
{
    if (!name.empty())
        parse_name(name, "service");
    auto const servers = list_servers(backend, name);
    if (!name.empty() && servers.empty())
        throw Error(Exit::Unavailable, fmt::format("{}: no server is serving it", name));
    return print(server_lines(servers, format, now_ns()));
}

Exit print_retained(BackendOptions const& backend, std::string const& pattern, ListFormat format)
{
    std::optional<Pattern> filter;
    if (!pattern.empty())
        filter = parse_patterns({ pattern }).front();
    auto const topics = list_retained(backend, filter);
    if (filter && topics.empty())
        throw Error(Exit::Unavailable, fmt::format("{}: no retained message matches", pattern));
    return print(retained_lines(topics, format, now_ns()));
}

}
