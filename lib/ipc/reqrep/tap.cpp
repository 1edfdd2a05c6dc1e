// Tap events as headers and as lines for people (tap.hpp).

#include "ipc/reqrep/tap.hpp"

#include "ipc/core/headers.hpp"
#include "ipc/core/parse.hpp"

#include <fmt/format.h>

namespace ipc::reqrep {

namespace {

std::optional<std::uint64_t> number_header(std::string_view block, std::string_view key)
{
    auto const values = header_values(block, key);
    if (values.size() != 1)
        return std::nullopt;
    return parse_number(values.front());
}

}

std::string tap_topic(std::string_view service)
{
    return fmt::format("{}{}", tap_topic_prefix, service);
}

std::string tap_headers(TapEvent const& event)
{
    HeadersBuilder builder;
    auto const add = [&builder](std::string_view key, std::string_view value) {
        builder.add_key(key);
        builder.add_value(value);
    };
    bool const request = event.kind == TapEvent::Kind::Request;
    add("Ipc-Tap", request ? "request" : "reply");
    add("Ipc-Request", std::to_string(event.number));
    if (request)
        add("Ipc-Client", event.client);
    else
        add("Ipc-Status", event.error ? "error" : "ok");
    add("Ipc-Server", std::to_string(event.server));
    add("Ipc-Seq", std::to_string(event.sequence));
    std::string error;
    auto block = builder.finish(error);
    return block ? std::move(*block) : std::string(); // Small and valid: never fails.
}

std::optional<TapEvent> parse_tap_headers(std::string_view block)
{
    auto const kind = header_values(block, "Ipc-Tap");
    auto const number = number_header(block, "Ipc-Request");
    auto const server = number_header(block, "Ipc-Server");
    auto const sequence = number_header(block, "Ipc-Seq");
    if (kind.size() != 1 || (kind[0] != "request" && kind[0] != "reply") || !number || !server
        || !sequence)
        return std::nullopt;
    TapEvent event { .number = *number, .server = *server, .sequence = *sequence };
    if (kind[0] == "request") {
        auto const client = header_values(block, "Ipc-Client");
        event.client = client.empty() ? std::string_view() : client.front();
    } else {
        event.kind = TapEvent::Kind::Reply;
        auto const status = header_values(block, "Ipc-Status");
        event.error = !status.empty() && status.front() == "error";
    }
    return event;
}

std::string tap_line(TapEvent const& event, std::string_view data)
{
    if (event.kind == TapEvent::Kind::Request)
        return fmt::format("#{} {} > {}", event.number, event.client, data);
    return fmt::format("#{} {} {}", event.number, event.error ? "<!" : "<", data);
}

std::uint64_t TapGaps::see(TapEvent const& event)
{
    auto [found, added] = m_last.try_emplace(event.server, event.sequence);
    if (added)
        return 0;
    auto const last = found->second;
    found->second = std::max(last, event.sequence);
    return event.sequence > last + 1 ? event.sequence - last - 1 : 0;
}

}
