// Opening, creating and mapping rings, and the reader slot table's upkeep.

#include "ipc/shm/ring.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/draft.hpp"
#include "ipc/shm/futex.hpp"
#include "ipc/shm/process.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace ipc::shm {

namespace {

// Writes a fresh, empty ring into the draft.
void fill_draft(Draft const& draft, std::size_t capacity)
{
    auto const size = ring_header_size + capacity;
    sys::check(::ftruncate(draft.fd(), static_cast<off_t>(size)), "truncate", draft.temp_path());
    auto const header = make_header(Kind::Ring, ring_header_size, capacity);
    std::byte page[ring_slots_offset] {};
    std::memcpy(page, &header, sizeof(header));
    // A zeroed RingState is empty, unowned and not lossy; only the count is set.
    std::uint32_t const slots = ring_slots;
    std::memcpy(page + ring_state_offset + offsetof(RingState, slot_count), &slots, sizeof(slots));
    if (::pwrite(draft.fd(), page, sizeof(page), 0) != static_cast<ssize_t>(sizeof(page)))
        sys::fail("write", draft.temp_path(), errno);
}

bool in_use(Segment const& segment)
{
    auto const* base = segment.map.data();
    auto const& state = *reinterpret_cast<RingState const*>(base + ring_state_offset);
    auto const owner = state.owner.load();
    if (owner_pid(owner) != 0
        && alive({ static_cast<std::int32_t>(owner_pid(owner)), state.writer_start.load() }))
        return true;
    for (std::size_t i = 0; i < ring_slots; ++i) {
        auto const& slot
            = *reinterpret_cast<RingSlot const*>(base + ring_slots_offset + i * sizeof(RingSlot));
        if (slot.pid.load() != 0 && alive({ slot.pid.load(), slot.start.load() }))
            return true;
    }
    return false;
}

Segment open_ring(
    Store const& store, std::string_view name, std::optional<std::size_t> capacity, mode_t mode)
{
    for (int attempt = 0;; ++attempt) {
        try {
            auto segment = open(store, name, Kind::Ring, Access::ReadWrite);
            auto const existing = segment.map.header().data_size;
            if (!capacity || existing == *capacity)
                return segment;
            if (in_use(segment) || attempt > 0)
                throw Error(Exit::Usage,
                    fmt::format("{}: is a ring of {} bytes in use, not {}", printable(name),
                        existing, *capacity),
                    "give every reader and the writer the same --size");
            Draft draft(store, name, mode);
            fill_draft(draft, *capacity);
            draft.commit_replace(); // Nobody uses the old one: make a new one of the new size.
            continue;
        } catch (Error const& error) {
            if (error.exit() != Exit::Unavailable)
                throw;
        }
        Draft draft(store, name, mode);
        fill_draft(draft, capacity.value_or(default_ring_size));
        draft.commit_create(); // When another process made it first, open theirs.
    }
}

}

std::optional<std::string> ring_layout_problem(Header const& header, RingState const& state)
{
    if (header.header_size != ring_header_size)
        return "ring header of the wrong size";
    auto const capacity = header.data_size;
    if (!std::has_single_bit(capacity) || capacity < min_ring_size || capacity > max_ring_size)
        return fmt::format("ring capacity {} is not a power of two in range", capacity);
    if (state.slot_count != ring_slots)
        return fmt::format("{} reader slots, expected {}", state.slot_count, ring_slots);
    auto const head = state.head.load();
    auto const tail = state.tail.load();
    if (tail > head || head - tail > capacity || head % 8 != 0 || tail % 8 != 0)
        return "positions out of order";
    return std::nullopt;
}

std::optional<std::size_t> ring_capacity(std::uint64_t size)
{
    if (size < min_ring_size || size > max_ring_size)
        return std::nullopt;
    return std::bit_ceil(static_cast<std::size_t>(size));
}

Ring::Ring(
    Store const& store, std::string_view name, std::optional<std::size_t> capacity, mode_t mode)
    : m_name(name)
    , m_segment(open_ring(store, name, capacity, mode))
    , m_capacity(static_cast<std::size_t>(m_segment.map.header().data_size))
{
    // Reserve twice the capacity, then map the data over both halves.
    void* base = ::mmap(
        nullptr, 2 * m_capacity, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        sys::fail("mmap", m_segment.path, errno);
    m_data = static_cast<std::byte*>(base);
    for (std::size_t half = 0; half < 2; ++half) {
        void* at = ::mmap(m_data + half * m_capacity, m_capacity, PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_FIXED, m_segment.fd.get(), static_cast<off_t>(ring_header_size));
        if (at == MAP_FAILED) {
            int const saved = errno;
            ::munmap(m_data, 2 * m_capacity);
            sys::fail("mmap", m_segment.path, saved);
        }
    }
}

Ring::~Ring()
{
    ::munmap(m_data, 2 * m_capacity);
}

RingState& Ring::state() const
{
    return *reinterpret_cast<RingState*>(m_segment.map.data() + ring_state_offset);
}

RingSlot& Ring::slot(std::size_t index) const
{
    return *reinterpret_cast<RingSlot*>(
        m_segment.map.data() + ring_slots_offset + index * sizeof(RingSlot));
}

std::size_t Ring::live_readers() const
{
    std::size_t count = 0;
    for (std::size_t i = 0; i < ring_slots; ++i) {
        auto const& reader = slot(i);
        if (reader.active.load() != 0 && alive({ reader.pid.load(), reader.start.load() }))
            ++count;
    }
    return count;
}

bool Ring::reclaim_dead_readers() const
{
    bool freed = false;
    for (std::size_t i = 0; i < ring_slots; ++i) {
        auto& reader = slot(i);
        auto pid = reader.pid.load();
        if (pid == 0 || alive({ pid, reader.start.load() }))
            continue;
        reader.active.store(0);
        reader.start.store(0); // A stale start must not make the next owner look dead.
        if (reader.pid.compare_exchange_strong(pid, 0))
            freed = true;
    }
    if (freed) {
        state().space_seq.fetch_add(1);
        futex_wake_all(state().space_seq);
    }
    return freed;
}

void Ring::remove_if_unused()
{
    remove_if_alone(m_segment, [this] { return state().owner.load() == 0; });
}

}
