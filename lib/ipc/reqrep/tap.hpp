#pragma once

// Taps on local services (ipc-sub --tap NAME): while one listens, each
// server of NAME publishes every request it takes and every reply it gives
// on the topic _IPC.tap.NAME, never waiting for a tap (a slow one loses
// events). Headers say what each event is; each server numbers its events
// (Ipc-Seq), so that a tap counts the ones it missed. Pure: the server side
// is backend_tap, the printing side ipc-sub.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ipc::reqrep {

inline constexpr std::string_view tap_topic_prefix = "_IPC.tap.";

// "_IPC.tap.calc" for the service calc.
std::string tap_topic(std::string_view service);

struct TapEvent {
    enum class Kind { Request, Reply };
    Kind kind = Kind::Request;
    std::uint64_t number = 0; // The server's number for the request (#12).
    std::string_view client {}; // Requests: "pid 4242 uid 1000".
    bool error = false; // Replies: an error reply.
    std::uint64_t server = 0; // The server's pid.
    std::uint64_t sequence = 0; // The server's count of its tap events, from 1.
};

// The header block of an event: Ipc-Tap (request|reply), Ipc-Request,
// Ipc-Client (requests), Ipc-Status (ok|error, replies), Ipc-Server, Ipc-Seq.
std::string tap_headers(TapEvent const& event);
// The event a header block describes; nullopt when it is not a tap's.
// client points into block.
std::optional<TapEvent> parse_tap_headers(std::string_view block);

// A line for people: "#12 pid 4242 uid 1000 > 2^10", "#12 < 1024", and
// "#12 <! exit 1: ..." for an error reply.
std::string tap_line(TapEvent const& event, std::string_view data);

// The events a tap missed, from the gaps in each server's sequence.
class TapGaps {
public:
    // How many events of server came before this one unseen (0 for the
    // first seen of a server: a tap starts where it starts).
    std::uint64_t see(TapEvent const& event);

private:
    std::unordered_map<std::uint64_t, std::uint64_t> m_last; // Server -> last sequence seen.
};

}
