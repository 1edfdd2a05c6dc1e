#pragma once

// The rendezvous of the brokerless local backend: $IPC_DIR/sub holds, for
// each subscriber, ID.pat (its patterns and group) and ID.sock (its socket),
// and an index of hard links to ID.pat, filed under what a publisher of one
// topic must look at (index_keys): topic/T/ID for a literal pattern T,
// prefix/F/ID for a wildcard pattern whose first token F is literal, any/ID
// for one that starts with a wildcard. A publisher of one topic so reads the
// registrations that could match it, not all of them.
//
// A subscriber writes ID.pat, then its index links, then binds and listens on
// ID.sock: once the socket is there, the registration is complete. One
// killed before that leaves index links without a socket, which publishers
// pass over and, once they are abandoned_after old, remove.

#include "ipc/core/fd.hpp"
#include "ipc/core/time.hpp"
#include "ipc/names/pattern.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ipc::pubsub {

struct Registration {
    std::string id;
    std::vector<Pattern> patterns;
    std::string group;
    std::int64_t since_ns = 0; // When it subscribed (Unix ns); 0 when an older version did.

    // Topics whose first token is _IPC match only patterns whose first token is _IPC.
    bool matches(std::string_view topic) const;
};

// The text of a registration's ID.pat, and back: nullopt for a text that is
// not one (lines it does not know are skipped, for later versions). Pure.
// The census answers of NATS subscribers carry it too (nats/census.hpp).
std::string encode_registration(Registration const& registration);
std::optional<Registration> decode_registration(std::string const& id, std::string_view text);

// Where registration is filed in the index: "topic/T", "prefix/F" or "any",
// each once. Pure.
std::vector<std::string> index_keys(Registration const& registration);
// Where the registrations that could match topic are filed: "topic/TOPIC",
// "prefix/FIRST-TOKEN" and "any". Pure.
std::vector<std::string> index_keys(std::string_view topic);

// Index links without a socket this old are left by a subscriber that died
// registering (registering takes milliseconds).
inline constexpr auto abandoned_after = std::chrono::minutes(1);

class LocalRegistry {
public:
    // Opens (creating) $IPC_DIR/sub. Throws Error for an unsafe runtime dir.
    LocalRegistry();

    std::string const& path() const { return m_path; }
    int dir_fd() const { return m_dir.get(); }

    // Every subscriber whose socket is in place (a .pat that cannot be read
    // is skipped). Reads one file per subscriber: for a publisher of any topic.
    std::vector<Registration> list() const;
    std::optional<Registration> read(std::string const& id) const;

    // The ids filed under an index key (none when it does not exist), and
    // the registration filed there.
    std::vector<std::string> indexed(std::string const& key) const;
    std::optional<Registration> read_indexed(std::string const& key, std::string const& id) const;

    // Removes a subscriber's files: its socket (ID.sock, or ID.new before
    // it was renamed), its index links, its .pat.
    void remove(Registration const& registration) const noexcept;
    // True when id has no .pat, or one older than abandoned_after: what is
    // left of it is debris (its socket is gone, so it cannot be alive).
    bool abandoned(std::string const& id) const noexcept;

    // Subscriber side: writes ID.pat and its index links, then binds and
    // listens on ID.sock. Returns the listening socket (non-blocking).
    Fd add(Registration const& registration) const;

    // Keeps a registration's files fresh against /tmp cleaners. Returns false
    // when a file or index link is gone (the caller adds the registration again).
    bool touch(Registration const& registration) const noexcept;

    // A fresh unique id: "<pid>-<random hex>".
    static std::string new_id();

private:
    void link_index(std::string const& id, std::string const& key) const;

    std::string m_path;
    Fd m_dir;
};

}
