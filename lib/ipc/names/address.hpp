#pragma once

// ADDRESS arguments of ipc-req and ipc-serve (DESIGN section 2): a bare
// service NAME, unix:/path, or tcp://HOST:PORT. Parsing is pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc {

struct Address {
    enum class Kind { Name, Unix, Tcp };
    Kind kind = Kind::Name;
    std::string name; // Kind::Name: a valid name.
    std::string path; // Kind::Unix: the socket's path.
    std::string host; // Kind::Tcp: empty when not given ("tcp://:7000").
    std::uint16_t port = 0; // Kind::Tcp: 0 lets the server pick one.

    // As the user wrote it, for messages: "calc", "unix:/run/x.sock", "tcp://h:1".
    std::string text() const;
};

// nullopt (with error set to a reason) for text that is no address.
std::optional<Address> try_parse_address(std::string_view text, std::string& error);

// The same, but throws Error(Usage) naming text.
Address parse_address(std::string_view text);

}
