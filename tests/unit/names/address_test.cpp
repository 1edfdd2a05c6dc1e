#include "ipc/core/error.hpp"
#include "ipc/names/address.hpp"

#include <catch2/catch.hpp>

TEST_CASE("an address is a service name, unix:/path or tcp://host:port", "[names]")
{
    auto const name = ipc::parse_address("img.thumbs");
    CHECK(name.kind == ipc::Address::Kind::Name);
    CHECK(name.name == "img.thumbs");
    CHECK(name.text() == "img.thumbs");

    auto const path = ipc::parse_address("unix:/run/calc.sock");
    CHECK(path.kind == ipc::Address::Kind::Unix);
    CHECK(path.path == "/run/calc.sock");
    CHECK(path.text() == "unix:/run/calc.sock");

    auto const tcp = ipc::parse_address("tcp://127.0.0.1:7000");
    CHECK(tcp.kind == ipc::Address::Kind::Tcp);
    CHECK(tcp.host == "127.0.0.1");
    CHECK(tcp.port == 7000);
    CHECK(tcp.text() == "tcp://127.0.0.1:7000");
}

TEST_CASE("a TCP address may leave the host out, and brackets an IPv6 host", "[names]")
{
    auto const any = ipc::parse_address("tcp://:0");
    CHECK(any.host.empty());
    CHECK(any.port == 0);
    auto const six = ipc::parse_address("tcp://[::1]:65535");
    CHECK(six.host == "::1");
    CHECK(six.port == 65535);
    CHECK(six.text() == "tcp://[::1]:65535");
}

TEST_CASE("bad addresses are refused with a reason, never a path", "[names]")
{
    auto [text, reason] = GENERATE(table<std::string, std::string>({
        { "../etc", "not a valid service name or address" },
        { "a/b", "not a valid service name or address" },
        { "", "not a valid service name or address" },
        { "unix:", "a Unix socket address is unix:/path/to/socket" },
        { "unix:/tmp/", "a Unix socket address is unix:/path/to/socket" },
        { "tcp://localhost", "a TCP address needs a port" },
        { "tcp://h:70000", "the port is not a number from 0 to 65535" },
        { "tcp://h:x", "the port is not a number from 0 to 65535" },
        { "tcp://::1:80", "write an IPv6 host in brackets" },
        { "tcp://a b:80", "the host has characters" },
    }));
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(ipc::try_parse_address(text, error));
    CHECK(error.starts_with(reason));
    CHECK_THROWS_AS(ipc::parse_address(text), ipc::Error);
}
