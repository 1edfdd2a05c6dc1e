#pragma once

// What a publisher has queued for one subscriber: whole frames, the batch
// frame still open at the end, and how many messages each frame holds (for
// --drop's accounting). Written without blocking; the publisher decides
// when to wait, drop or give up.

#include "ipc/wire/encoder.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace ipc::pubsub {

// Bytes queued for one subscriber before the publisher writes (and, when the
// subscriber is slow, waits or drops).
inline constexpr std::size_t high_water = 256 * 1024;

struct SendBuffer {
    struct Frame {
        std::size_t start, end, count;
    };

    std::string out; // Frames not yet written, after `written` bytes that were.
    std::size_t written = 0;
    wire::BatchEncoder batch; // The open frame at the end of out, if any.
    std::deque<Frame> frames; // The batch frames in out, for --drop's accounting.

    std::size_t pending() const { return out.size() - written; }

    // Closes the open batch frame, if any, and records it.
    void end_batch();

    enum class Status { Done, Blocked, Closed };
    // Sends what it can to the socket fd without blocking: Done when all is
    // written, Blocked when the socket is full, Closed when the peer went
    // away (the buffer is then empty). Adds the messages of the frames
    // written whole to delivered.
    Status write_to(int fd, std::uint64_t& delivered);

    // Drops the whole frames that have not started (a frame partly written
    // must finish); returns how many messages they held.
    std::uint64_t drop_unsent();

    // Empties the buffer; returns how many messages were in it.
    std::uint64_t clear();
};

}
