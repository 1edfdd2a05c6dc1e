#include "ipc/names/url.hpp"

#include <catch2/catch.hpp>

namespace {

std::optional<ipc::Url> parse(std::string_view text)
{
    std::string error;
    auto url = ipc::try_parse_url(text, error);
    CHECK(url.has_value() == error.empty());
    return url;
}

}

TEST_CASE("an empty --url or 'local' means the local backend", "[names]")
{
    auto const text = GENERATE("", "local");
    auto const url = parse(text);
    REQUIRE(url);
    CHECK(url->is_local());
    CHECK(url->text() == "local");
}

TEST_CASE("NATS URLs decode to their servers, in order, with port 4222 by default", "[names]")
{
    auto const url = parse("nats://alice:s3cret@nats1.example.com,nats://10.0.0.2:5222/,"
                           "nats://[::1]:7");
    REQUIRE(url);
    CHECK_FALSE(url->tls);
    REQUIRE(url->servers.size() == 3);
    CHECK(url->servers[0].user == "alice");
    CHECK(url->servers[0].password == "s3cret");
    CHECK(url->servers[0].port == 4222);
    CHECK(url->servers[1].host == "10.0.0.2");
    CHECK(url->servers[1].port == 5222);
    CHECK(url->servers[2].host == "[::1]");
    CHECK(url->server_urls()
        == std::vector<std::string> { "nats://alice:s3cret@nats1.example.com:4222",
            "nats://10.0.0.2:5222", "nats://[::1]:7" });
    CHECK(url->shown()
        == "nats://alice:***@nats1.example.com:4222,nats://10.0.0.2:5222,nats://[::1]:7");
}

TEST_CASE("tls:// URLs ask for an encrypted connection", "[names]")
{
    auto const url = parse("tls://u@h:1,tls://g:2");
    REQUIRE(url);
    CHECK(url->tls);
    CHECK(url->servers[0].user == "u");
    CHECK_FALSE(url->servers[0].password);
    CHECK(url->text() == "tls://u@h:1,tls://g:2");
}

TEST_CASE("anything else is no --url, with a reason", "[names]")
{
    auto const text = GENERATE("ftp://x", "nats:/x", "127.0.0.1:4222", "nats://", "nats://:1",
        "nats://h:0", "nats://h:65536", "nats://h:", "nats://h:12x", "nats://h/path",
        "nats://a,tls://b", "nats://a,", "nats://u%20@h", "nats://@h", "nats://[::1", "nats://[]:1",
        "nats://[::1]x", "nats://h h", "LOCAL", " nats://h");
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(ipc::try_parse_url(text, error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("a URL reads back the same from its own text", "[names]")
{
    auto const text = GENERATE("nats://h", "tls://a:b@[fe80::1]:9,tls://c", "nats://u:@h:1");
    auto const url = parse(text);
    REQUIRE(url);
    auto const again = parse(url->text());
    REQUIRE(again);
    CHECK(again->text() == url->text());
}
