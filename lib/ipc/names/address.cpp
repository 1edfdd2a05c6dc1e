#include "ipc/names/address.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/names/name.hpp"

#include <fmt/format.h>

namespace ipc {

std::string Address::text() const
{
    switch (kind) {
    case Kind::Unix:
        return "unix:" + path;
    case Kind::Tcp:
        return host.find(':') != std::string::npos ? fmt::format("tcp://[{}]:{}", host, port)
                                                   : fmt::format("tcp://{}:{}", host, port);
    case Kind::Name:
        break;
    }
    return name;
}

namespace {

std::optional<Address> parse_tcp(std::string_view rest, std::string& error)
{
    Address address;
    address.kind = Address::Kind::Tcp;
    auto const colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
        error = "a TCP address needs a port, as in tcp://127.0.0.1:7000";
        return std::nullopt;
    }
    auto host = rest.substr(0, colon);
    if (host.starts_with('[') && host.ends_with(']')) // [::1]
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos) {
        error = "write an IPv6 host in brackets, as in tcp://[::1]:7000";
        return std::nullopt;
    }
    for (char c : host) {
        bool const fine = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '.' || c == '-' || c == ':' || c == '_';
        if (!fine) {
            error = "the host has characters no host name or IP address has";
            return std::nullopt;
        }
    }
    auto const port = parse_number(rest.substr(colon + 1));
    if (!port || *port > 65535) {
        error = "the port is not a number from 0 to 65535";
        return std::nullopt;
    }
    address.host = host;
    address.port = static_cast<std::uint16_t>(*port);
    return address;
}

}

std::optional<Address> try_parse_address(std::string_view text, std::string& error)
{
    if (text.starts_with("unix:")) {
        Address address;
        address.kind = Address::Kind::Unix;
        address.path = text.substr(5);
        if (address.path.empty() || address.path.find('\0') != std::string::npos
            || address.path.back() == '/') {
            error = "a Unix socket address is unix:/path/to/socket";
            return std::nullopt;
        }
        return address;
    }
    if (text.starts_with("tcp://"))
        return parse_tcp(text.substr(6), error);
    if (!is_valid_name(text)) {
        error = "not a valid service name or address (use a name of letters, digits, '-', '_' "
                "joined by '.', unix:/path or tcp://HOST:PORT)";
        return std::nullopt;
    }
    Address address;
    address.name = text;
    return address;
}

Address parse_address(std::string_view text)
{
    std::string error;
    auto address = try_parse_address(text, error);
    if (!address)
        throw Error(Exit::Usage, fmt::format("{}: {}", printable(text), error));
    return *address;
}

}
