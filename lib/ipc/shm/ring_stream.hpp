#pragma once

// What ipc-shm write and read do with their stdin and stdout: messages from
// stdin into a ring, and records from a ring to a framing::Writer.
// Runs of lines travel as one Lines record and go out in one piece when the
// output framing ends messages with the same delimiter.

#include "ipc/framing/options.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/shm/ring_reader.hpp"
#include "ipc/shm/ring_writer.hpp"

namespace ipc::shm {

// Appends every message read from fd in the framing of options until its
// end or --count, and returns true then; false when a signal, --timeout or
// --idle ended it first. Delimited input goes straight into the ring
// (ring_intake.hpp), the other framings through a framing::Reader. Throws
// what the reading and the ring throw.
bool write_stream(RingWriter& ring, int fd, framing::Options const& options, Stop& stop);

// Writes every message of the ring's stream to out (until --count or a
// stop); topic names the messages in --json envelopes. Throws what the ring
// and out throw.
void read_stream(RingReader& ring, framing::Writer& out, std::string_view topic, Stop& stop);

}
