#pragma once

// --url values (DESIGN section 2): empty or "local" for the local backend;
// else one or more NATS servers, comma-separated, each
// nats://[USER[:PASSWORD]@]HOST[:PORT] or tls://… (all of one scheme).
// Parsing is pure, and fuzzed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc {

struct UrlServer {
    std::string user; // Empty when none was given.
    std::optional<std::string> password; // Given after "USER:", possibly empty.
    std::string host; // A name, an IPv4 address, or an IPv6 one in brackets.
    std::uint16_t port = 4222;
};

struct Url {
    std::vector<UrlServer> servers; // Empty: the local backend.
    bool tls = false; // tls://: the connection is encrypted.

    bool is_local() const { return servers.empty(); }
    // Each server as cnats takes it, in the order given (order = preference).
    std::vector<std::string> server_urls() const;
    // The same joined by commas; "local" for the local backend.
    std::string text() const;
    // text() with passwords shown as "***", for messages.
    std::string shown() const;
};

// nullopt (with error set to a reason) for text that is no --url value.
std::optional<Url> try_parse_url(std::string_view text, std::string& error);

// What --url, --creds and --tls-ca say (cli::add_backend fills it).
struct BackendOptions {
    Url url {};
    std::string creds {}; // A NATS credentials file (JWT and NKey seed).
    std::string tls_ca {}; // CA certificates (PEM) to trust for tls://.
};

}
