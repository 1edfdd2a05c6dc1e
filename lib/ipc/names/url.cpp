// Strict on purpose: every server in the list is checked here, so a typo is
// exit 2 with the reason rather than a connection attempt that fails later.

#include "ipc/names/url.hpp"

#include "ipc/core/parse.hpp"

#include <fmt/format.h>

namespace ipc {

namespace {

constexpr std::size_t max_url_length = 4096;

bool is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_';
}

// RFC 3986 unreserved and sub-delimiters, without '%' (no escapes) or ':'.
bool is_user_char(char c)
{
    return is_host_char(c) || c == '~' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '('
        || c == ')' || c == '*' || c == '+' || c == ';' || c == '=';
}

bool all_of(std::string_view text, bool (*allowed)(char))
{
    for (char c : text)
        if (!allowed(c))
            return false;
    return true;
}

bool is_ipv6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
        || c == '.';
}

// One server after its scheme: [USER[:PASSWORD]@]HOST[:PORT].
std::optional<UrlServer> parse_server(std::string_view text, std::string& error)
{
    UrlServer server;
    if (auto const at = text.rfind('@'); at != text.npos) {
        auto const userinfo = text.substr(0, at);
        text.remove_prefix(at + 1);
        auto const colon = userinfo.find(':');
        server.user = userinfo.substr(0, colon);
        if (colon != userinfo.npos)
            server.password = std::string(userinfo.substr(colon + 1));
        if (server.user.empty() || !all_of(server.user, is_user_char)
            || (server.password && !all_of(*server.password, is_user_char))) {
            error = "a user or password has a character that is not allowed";
            return std::nullopt;
        }
    }
    std::string_view port;
    if (text.starts_with('[')) {
        auto const close = text.find(']');
        if (close == text.npos || close == 1 || !all_of(text.substr(1, close - 1), is_ipv6_char)) {
            error = "an IPv6 address must be in brackets: [::1]";
            return std::nullopt;
        }
        server.host = text.substr(0, close + 1);
        text.remove_prefix(close + 1);
        if (!text.empty() && !text.starts_with(':')) {
            error = "a host is followed by something other than :PORT";
            return std::nullopt;
        }
        port = text.empty() ? text : text.substr(1);
        if (!text.empty() && port.empty())
            port = "x"; // "[::1]:" has an empty port.
    } else {
        auto const colon = text.find(':');
        server.host = text.substr(0, colon);
        if (colon != text.npos)
            port = colon + 1 < text.size() ? text.substr(colon + 1) : "x";
        if (server.host.empty() || !all_of(server.host, is_host_char)) {
            error = server.host.empty() ? "a server has no host"
                                        : "a host has a character that is not allowed";
            return std::nullopt;
        }
    }
    if (!port.empty()) {
        auto const number = parse_number(port);
        if (!number || *number == 0 || *number > 65535) {
            error = "a port must be a number from 1 to 65535";
            return std::nullopt;
        }
        server.port = static_cast<std::uint16_t>(*number);
    }
    return server;
}

std::string server_text(UrlServer const& server, bool tls, bool hide_password)
{
    std::string userinfo;
    if (!server.user.empty()) {
        userinfo = server.user;
        if (server.password)
            userinfo += ":" + (hide_password ? std::string("***") : *server.password);
        userinfo += "@";
    }
    return fmt::format("{}://{}{}:{}", tls ? "tls" : "nats", userinfo, server.host, server.port);
}

std::string joined(Url const& url, bool hide_password)
{
    if (url.is_local())
        return "local";
    std::string text;
    for (auto const& server : url.servers)
        text += (text.empty() ? "" : ",") + server_text(server, url.tls, hide_password);
    return text;
}

}

std::vector<std::string> Url::server_urls() const
{
    std::vector<std::string> urls;
    for (auto const& server : servers)
        urls.push_back(server_text(server, tls, false));
    return urls;
}

std::string Url::text() const
{
    return joined(*this, false);
}

std::string Url::shown() const
{
    return joined(*this, true);
}

std::optional<Url> try_parse_url(std::string_view text, std::string& error)
{
    error.clear();
    Url url;
    if (text.empty() || text == "local")
        return url;
    if (text.size() > max_url_length) {
        error = fmt::format("it is longer than {} characters", max_url_length);
        return std::nullopt;
    }
    std::optional<bool> tls;
    while (true) {
        auto const comma = text.find(',');
        auto item = text.substr(0, comma);
        bool const is_tls = item.starts_with("tls://");
        if (!is_tls && !item.starts_with("nats://")) {
            error = "each server must start nats:// or tls://";
            return std::nullopt;
        }
        if (tls && *tls != is_tls) {
            error = "servers must all be nats:// or all be tls://";
            return std::nullopt;
        }
        tls = is_tls;
        item.remove_prefix(is_tls ? 6 : 7);
        if (item.ends_with('/'))
            item.remove_suffix(1);
        auto server = parse_server(item, error);
        if (!server)
            return std::nullopt;
        url.servers.push_back(std::move(*server));
        if (comma == text.npos)
            break;
        text.remove_prefix(comma + 1);
    }
    url.tls = *tls;
    return url;
}

}
