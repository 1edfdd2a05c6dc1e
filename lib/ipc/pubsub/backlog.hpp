#pragma once

// What a publisher has queued for one subscriber: frames on an io::OutBuffer,
// the batch frame still open at the end, and how many messages each frame
// holds, so that --drop can count what was delivered and what it dropped,
// and drops only whole frames. Written without blocking; the publisher
// decides when to wait, drop or give up.

#include "ipc/io/out_buffer.hpp"
#include "ipc/wire/encoder.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>

namespace ipc::pubsub {

// Bytes queued for one subscriber before the publisher writes (and, when the
// subscriber is slow, waits or drops).
inline constexpr std::size_t high_water = 256 * 1024;

struct Backlog {
    struct Frame {
        std::uint64_t start, end; // Positions in bytes (io::OutBuffer::position).
        std::size_t count;
    };

    io::OutBuffer bytes;
    wire::BatchEncoder batch; // The open frame at the end of bytes, if any.
    std::deque<Frame> frames; // The batch frames not yet written whole.

    std::size_t pending() const { return bytes.pending().size(); }

    // Closes the open batch frame, if any, and records it.
    void end_batch();
    // Records the frame appended to bytes since start, holding count messages.
    void add_frame(std::uint64_t start, std::size_t count);

    // Ends the batch and sends what it can to fd without blocking: Done when
    // all is written, Blocked when fd is full, Closed when the peer went
    // away (the backlog is then empty). Adds the messages of the frames
    // written whole to delivered.
    io::OutBuffer::Status write_to(int fd, std::uint64_t& delivered);

    // Drops the whole frames that have not started (a frame partly written
    // must finish); returns how many messages they held.
    std::uint64_t drop_unsent();

    // Empties the backlog; returns how many messages were in it.
    std::uint64_t clear();
};

}
