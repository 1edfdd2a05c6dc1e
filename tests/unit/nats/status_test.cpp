#include "ipc/nats/status.hpp"

#include <catch2/catch.hpp>

using ipc::nats::status_message;

TEST_CASE("cnats' words become one lowercase line, acronyms and quoted subjects kept", "[nats]")
{
    CHECK(status_message("Not Permitted", "nats: Permissions Violation for Publish to \"Secret\"")
        == "not permitted: permissions violation for publish to \"Secret\"");
    CHECK(status_message("SSL Error",
              "(conn.c:733): SSL handshake error: 20:unable to get local issuer certificate")
        == "SSL error: SSL handshake error: 20:unable to get local issuer certificate");
    CHECK(status_message("Authentication Violation", "(conn.c:1905): Authorization Violation")
        == "authentication violation: authorization violation");
}

TEST_CASE("a detail that is empty or repeats the status text is left out", "[nats]")
{
    CHECK(status_message("No server available for connection", "")
        == "no server available for connection");
    CHECK(status_message("Timeout", "(conn.c:1): timeout") == "timeout");
    CHECK(status_message("", "") == "");
}
