#pragma once

// Rings: a stream of records in shared memory with one writer and up to
// ring_slots readers, each with its own cursor in the ring's slot table. The
// data area is mapped twice in a row, so every record is contiguous in memory
// even where it wraps. Layout, offsets and the protocol: ring_layout.hpp.

#include "ipc/shm/segment.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::shm {

struct RingState;
struct RingSlot;

inline constexpr std::size_t default_ring_size = std::size_t { 1 } << 20;
inline constexpr std::size_t min_ring_size = std::size_t { 64 } << 10;
inline constexpr std::size_t max_ring_size = std::size_t { 1 } << 30;
inline constexpr std::size_t ring_slots = 64;

// The capacity a --size asks for: rounded up to a power of two, nullopt when
// it is outside [min_ring_size, max_ring_size].
std::optional<std::size_t> ring_capacity(std::uint64_t size);

class Ring {
public:
    // Opens the ring NAME, creating it (empty, with mode) when it does not
    // exist. capacity, when given, must match an existing ring; one that does
    // not is replaced when nobody uses it, else refused (Error(Usage)). Throws
    // like shm::open(), and Error(IoError) for a ring whose layout is bad.
    Ring(Store const& store, std::string_view name, std::optional<std::size_t> capacity,
        mode_t mode = 0600);
    ~Ring();
    Ring(Ring const&) = delete;
    Ring& operator=(Ring const&) = delete;

    std::string const& name() const { return m_name; }
    std::size_t capacity() const { return m_capacity; }
    RingState& state() const;
    RingSlot& slot(std::size_t index) const;
    // The data area: capacity bytes, then the same bytes again.
    std::byte* data() const { return m_data; }
    std::byte* at(std::uint64_t position) const { return m_data + (position & (m_capacity - 1)); }

    // The readers registered now whose process lives.
    std::size_t live_readers() const;
    // Frees the slots of readers that died; true if any was freed.
    bool reclaim_dead_readers() const;

    // For a reader that gives up: removes NAME when no writer ever took
    // the ring and nobody else has it open (remove_if_alone()). Last call.
    void remove_if_unused();

private:
    std::string m_name;
    Segment m_segment;
    std::size_t m_capacity = 0;
    std::byte* m_data = nullptr; // 2 * m_capacity bytes of address space.
};

}
