#pragma once

// The shared layout of a ring segment and the rules its users keep.
//
//   [0, 64)        Header (segment.hpp), kind Ring, data_size = capacity
//   [64, 1024)     RingState: one cache line per group of words written together
//   [4096, 8192)   ring_slots RingSlots, one cache line each
//   [8192, +cap)   the data: records at 8-byte aligned stream positions
//
// Positions count bytes since the ring was made and never wrap; a position
// p lives at p mod capacity. A record is a RecordHeader and `size` bytes,
// padded to 8. The writer appends at `head`, which it publishes (release)
// at record boundaries; records below `tail` may be overwritten, and tail is
// always a record boundary. Without --lossy the writer never writes past
// the lowest live reader cursor + capacity, keeping room for an End record.
// Readers publish their cursor after consuming. Sleepers announce themselves
// (readers_sleeping, writer_sleeping) before re-checking and waiting on a
// futex word, so the other side calls FUTEX_WAKE only when someone sleeps.
// A writer that waits for room asks for half the ring (space_wanted), so a
// slower reader wakes it once per half ring, not at every cursor it publishes.
// Sequence numbers exist for the readers of a --lossy writer to count what
// they lost; a writer that cannot lose anything may leave its Lines records
// uncounted (count 0), and a reader that needs the count (--count) counts.
// The writer stores the head with the generation and sequence there under a
// seqlock (head_version), so a reader that joins a stream knows the
// sequence it starts at, even when it is overrun before its first record.

#include "ipc/shm/segment.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ipc::shm {

inline constexpr std::size_t ring_state_offset = 64;
inline constexpr std::size_t ring_slots_offset = 4096;
inline constexpr std::size_t ring_header_size = 8192;

struct alignas(64) RingState {
    alignas(64) std::atomic<std::uint64_t> head; // Written by the writer.
    std::atomic<std::uint64_t> head_sequence; // Messages of the stream below head.
    std::atomic<std::uint32_t> head_generation; // The stream head_sequence counts.
    std::atomic<std::uint32_t> head_version; // Odd while the writer changes the three above.
    alignas(64) std::atomic<std::uint64_t> tail; // Written by the writer.
    alignas(64) std::atomic<std::uint32_t> data_seq; // Futex: readers wait for data.
    std::atomic<std::uint32_t> readers_sleeping;
    alignas(64) std::atomic<std::uint32_t> space_seq; // Futex: the writer waits for room.
    std::atomic<std::uint32_t> writer_sleeping;
    std::atomic<std::uint32_t> readers_seq; // Futex: bumped when a reader registers.
    std::atomic<std::uint64_t> space_wanted; // A sleeping writer: wake it at this cursor.
    alignas(64) std::atomic<std::uint64_t> owner; // Stream generation << 32 | writer pid (0: none).
    std::atomic<std::uint64_t> writer_start; // The writer's start time (process.hpp).
    std::atomic<std::uint32_t> flags; // ring_lossy while a --lossy writer writes.
    std::uint32_t slot_count; // ring_slots; checked when opened.
};

inline constexpr std::uint32_t ring_lossy = 1;

struct alignas(64) RingSlot {
    std::atomic<std::int32_t> pid; // 0: free. Claimed by compare-and-swap.
    std::atomic<std::uint32_t> active; // 1 once cursor is valid.
    std::atomic<std::uint64_t> start; // The reader's start time.
    std::atomic<std::uint64_t> cursor; // Everything below is consumed.
};

enum class RecordType : std::uint8_t {
    Message = 1, // One message: the payload is its bytes.
    Lines = 2, // count messages, each ending with delimiter; count 0: not counted.
    End = 3, // The writer ended the stream of its generation.
};

struct RecordHeader {
    std::uint32_t size; // Payload bytes.
    std::uint32_t count; // Messages in the record (Lines: 0 when the writer did not count).
    std::uint32_t generation; // Of the stream (owner >> 32).
    RecordType type;
    char delimiter; // Lines only.
    std::uint16_t reserved;
    std::uint64_t sequence; // Messages of the stream before this record.
};

inline constexpr std::size_t record_header_size = sizeof(RecordHeader);

// Bytes a record with `size` payload bytes takes in the ring.
inline constexpr std::uint64_t record_span(std::uint64_t size)
{
    return record_header_size + ((size + 7) & ~std::uint64_t { 7 });
}

// The largest payload a record may have in a ring of capacity: it and an End
// record must fit at once.
inline constexpr std::size_t max_record_size(std::size_t capacity)
{
    return capacity - 2 * record_header_size;
}

static_assert(sizeof(RecordHeader) == 24);
static_assert(sizeof(RingState) <= ring_slots_offset - ring_state_offset);
static_assert(sizeof(RingSlot) == 64);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Why a segment whose header says Ring cannot be one, nullopt when it can:
// the header's sizes, the slot count and the positions. state is read only
// once the header says the file holds it. Used by shm::open() and for ls.
std::optional<std::string> ring_layout_problem(Header const& header, RingState const& state);

inline std::uint32_t owner_pid(std::uint64_t owner)
{
    return static_cast<std::uint32_t>(owner);
}
inline std::uint32_t owner_generation(std::uint64_t owner)
{
    return static_cast<std::uint32_t>(owner >> 32);
}

}
