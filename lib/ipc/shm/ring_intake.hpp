#pragma once

// ipc-shm write's fast path for delimited input (lines, -0, --delimiter):
// stdin is read straight into the ring's free space, which the double
// mapping keeps contiguous, and each read's complete messages become one
// Lines record where they lie. Only the start of a message that a read cut
// short moves, a few bytes up, to begin the next record. The bytes are
// copied once, by read(2), instead of into a buffer and then into the ring.

#include "ipc/io/stop.hpp"
#include "ipc/shm/ring_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ipc::shm {

// Appends every message read from fd, each ending with delimiter (the last
// one may lack it), until the end of input or --count, and returns true
// then; false when a signal, --timeout or --idle ended it first. Reads of
// up to chunk bytes; a message over max_size is refused as framing::Reader
// refuses it, one over the ring's largest as RingWriter refuses it. Throws
// SystemError(IoError) when read() fails.
bool write_direct(
    RingWriter& ring, int fd, char delimiter, std::size_t max_size, std::size_t chunk, Stop& stop);

// The first count messages of run (each ends with delimiter).
std::string_view first_messages(std::string_view run, char delimiter, std::uint64_t count);

// Waits for fd to be readable or a signal, up to the next deadline of stop;
// false to stop.
bool wait_for_input(int fd, Stop& stop);

}
