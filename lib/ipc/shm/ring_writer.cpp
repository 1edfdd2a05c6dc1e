// The writer side of the ring protocol in ring_layout.hpp.

#include "ipc/shm/ring_writer.hpp"

#include "ipc/names/name.hpp"
#include "ipc/shm/futex.hpp"
#include "ipc/shm/process.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace ipc::shm {

namespace {

// Readers' liveness is looked up (in /proc) at most this often while waiting.
constexpr auto reclaim_interval = std::chrono::milliseconds(200);
constexpr int check_ms = 200;

int wait_limit(Stop& stop)
{
    int const deadline = stop.wait_ms();
    return deadline < 0 ? check_ms : std::min(deadline, check_ms);
}

}

RingWriter::RingWriter(Ring& ring, Overflow overflow, Stop& stop)
    : m_ring(ring)
    , m_overflow(overflow)
    , m_stop(stop)
{
    auto& state = ring.state();
    auto const me = self_process();
    auto owner = state.owner.load();
    for (;;) {
        auto const pid = static_cast<std::int32_t>(owner_pid(owner));
        if (pid != 0 && alive({ pid, state.writer_start.load() }))
            throw Error(Exit::TempFail,
                fmt::format(
                    "{}: pid {} is writing to this ring already", printable(ring.name()), pid),
                "wait for it to end, or use another name");
        m_generation = owner_generation(owner) + 1;
        if (m_generation == 0)
            m_generation = 1; // 0 means "no stream" to the readers.
        // A start left by a writer that died must not make us look dead.
        state.writer_start.store(0);
        if (state.owner.compare_exchange_strong(
                owner, (std::uint64_t { m_generation } << 32) | static_cast<std::uint32_t>(me.pid)))
            break;
    }
    state.writer_start.store(me.start);
    state.flags.store(overflow == Overflow::Lossy ? ring_lossy : 0);
    m_head = state.head.load();
    m_tail = state.tail.load();
    store_head(); // Our stream begins here, at sequence 0.
    m_woken = m_head;
    m_limit = m_head; // Look at the readers before the first record.
    m_interrupter.emplace(stop, [&state] {
        futex_wake_all(state.space_seq);
        futex_wake_all(state.readers_seq);
    });
}

RingWriter::~RingWriter()
{
    end();
}

std::size_t RingWriter::max_message() const
{
    return max_record_size(m_ring.capacity());
}

bool RingWriter::wait_for_readers(std::size_t count)
{
    auto& state = m_ring.state();
    for (;;) {
        auto const seen = state.readers_seq.load();
        if (m_ring.live_readers() >= count)
            return true;
        if (m_interrupter->fired())
            m_interrupter->settle(m_stop);
        if (m_stop.done())
            return false;
        futex_wait(state.readers_seq, seen, wait_limit(m_stop));
    }
}

bool RingWriter::write_message(std::string_view data)
{
    return append(RecordType::Message, data, '\0', 1);
}

bool RingWriter::write_run(std::string_view run, char delimiter, std::uint64_t count)
{
    return append(RecordType::Lines, run, delimiter, count);
}

void RingWriter::refuse(std::size_t size, bool more) const
{
    throw Error(Exit::Usage,
        fmt::format("{}: a message of {}{} bytes does not fit in the ring ({} bytes at most)",
            printable(m_ring.name()), more ? "more than " : "", size, max_message()),
        "give the ring a larger --size");
}

bool RingWriter::append(
    RecordType type, std::string_view payload, char delimiter, std::uint64_t count)
{
    auto* at = reserve(payload.size());
    if (at == nullptr)
        return false;
    if (!payload.empty())
        std::memcpy(at, payload.data(), payload.size());
    commit(type, payload.size(), delimiter, count);
    return true;
}

std::byte* RingWriter::reserve(std::size_t size, std::size_t carry)
{
    if (size > max_message())
        refuse(size, false);
    if (m_interrupter->fired()) { // SIGINT or SIGTERM while we were busy.
        m_interrupter->settle(m_stop);
        return nullptr;
    }
    if (!make_room(record_span(size)))
        return nullptr;
    auto* payload = m_ring.at(m_head) + record_header_size;
    if (carry != 0) {
        // The carry bytes sit a few bytes (padding and a header) before their
        // new place, which make_room() just cleared. Both seen through one
        // view (the ring is mapped twice), memmove sees that they overlap.
        auto* from = m_ring.at(m_payload_end);
        std::memmove(from + (m_head + record_header_size - m_payload_end), from, carry);
    }
    return payload;
}

void RingWriter::commit(RecordType type, std::size_t size, char delimiter, std::uint64_t count)
{
    RecordHeader const header { static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(count),
        m_generation, type, delimiter, 0, m_sequence };
    std::memcpy(m_ring.at(m_head), &header, sizeof(header));
    m_payload_end = m_head + record_header_size + size;
    m_head += record_span(size);
    m_sequence += count;
    // Publishing per record would make readers chase every small message.
    if (m_head - m_published >= std::min<std::uint64_t>(m_ring.capacity() / 8, 64 << 10))
        share(false);
}

// Waits until span bytes and an End record fit below the limit (not with
// --lossy), then moves the tail past the records that appending overwrites.
bool RingWriter::make_room(std::uint64_t span)
{
    auto& state = m_ring.state();
    auto const need = span + record_header_size;
    while (m_overflow == Overflow::Block && m_head + need > m_limit) {
        refresh_limit();
        if (m_head + need <= m_limit)
            break;
        // Sleep until the lowest cursor frees half the ring (or what the
        // record needs, if more), so each wake brings a large batch of room.
        auto const capacity = m_ring.capacity();
        state.space_wanted.store(m_head + std::max<std::uint64_t>(need, capacity / 2) - capacity);
        state.writer_sleeping.store(1);
        auto const seen = state.space_seq.load();
        refresh_limit(); // A reader that moved on before the flag was up is seen now.
        bool const stopped = m_interrupter->fired() || m_stop.done();
        if (m_head + need > m_limit && !stopped)
            futex_wait(state.space_seq, seen, wait_limit(m_stop));
        state.writer_sleeping.store(0);
        if (stopped) {
            if (m_interrupter->fired())
                m_interrupter->settle(m_stop);
            return false;
        }
        auto const now = std::chrono::steady_clock::now();
        if (now - m_last_reclaim >= reclaim_interval) {
            m_ring.reclaim_dead_readers(); // A SIGKILLed reader must not wedge us.
            m_last_reclaim = now;
        }
    }
    advance_tail(m_head + span);
    return true;
}

// Publishes the head, then reads the cursors; a reader registers by storing
// its cursor and then reading the head, so one of the two sees the other.
void RingWriter::refresh_limit()
{
    publish();
    auto lowest = m_head;
    for (std::size_t i = 0; i < ring_slots; ++i) {
        auto const& reader = m_ring.slot(i);
        if (reader.active.load() != 0)
            lowest = std::min(lowest, reader.cursor.load());
    }
    m_limit = lowest + m_ring.capacity();
}

void RingWriter::advance_tail(std::uint64_t end)
{
    auto const capacity = m_ring.capacity();
    if (m_tail + capacity >= end)
        return;
    while (m_tail + capacity < end) {
        RecordHeader header;
        std::memcpy(&header, m_ring.at(m_tail), sizeof(header));
        auto const span = record_span(header.size);
        if (header.size > max_record_size(capacity) || m_tail + span > m_head) {
            m_tail = m_head; // Not a record of ours: nothing below the head is kept.
            break;
        }
        m_tail += span;
    }
    // A reader that skips to the tail must find it at or below the head.
    if (m_tail > m_published)
        publish();
    // The seqlock's writer side: the new tail is visible before any byte below it changes.
    m_ring.state().tail.store(m_tail, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_release);
}

// The seqlock's writer side (ring_layout.hpp): the version is odd while
// the head, its sequence and the generation change.
void RingWriter::store_head()
{
    auto& state = m_ring.state();
    // A writer that died in here left the version odd: go on from there.
    auto const odd = state.head_version.load(std::memory_order_relaxed) | 1u;
    state.head_version.store(odd, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    state.head_generation.store(m_generation, std::memory_order_relaxed);
    state.head_sequence.store(m_sequence, std::memory_order_relaxed);
    // Sequentially consistent, as before the seqlock: refresh_limit() and a
    // registering reader order a store and a load of head and cursor.
    state.head.store(m_head);
    state.head_version.store(odd + 1, std::memory_order_release);
    m_published = m_head;
}

void RingWriter::publish()
{
    share(true);
}

// Stores the head; wakes the readers that sleep when asked to, else once a
// quarter of the ring is new since the last wake: in full flow, readers
// that keep up sleep and wake per batch, not per record. Every wait of ours
// (for input, for room) and the end wake them, so none sleeps for long.
void RingWriter::share(bool wake)
{
    auto& state = m_ring.state();
    if (m_head != m_published)
        store_head();
    if (state.readers_sleeping.load() != 0 && (wake || m_head - m_woken >= m_ring.capacity() / 4)) {
        m_woken = m_head;
        state.data_seq.fetch_add(1);
        futex_wake_all(state.data_seq);
    }
}

void RingWriter::end() noexcept
{
    if (m_ended)
        return;
    m_ended = true;
    m_interrupter.reset();
    if (m_overflow == Overflow::Block && m_head + record_span(0) > m_limit)
        refresh_limit(); // Only a writer that appended nothing can get here.
    // Without room, readers of this stream still see a clean end: the owner
    // word names this generation and no writer.
    if (m_overflow == Overflow::Lossy || m_head + record_span(0) <= m_limit) {
        advance_tail(m_head + record_span(0));
        RecordHeader const header { 0, 0, m_generation, RecordType::End, '\0', 0, m_sequence };
        std::memcpy(m_ring.at(m_head), &header, sizeof(header));
        m_head += record_span(0);
    }
    store_head();
    auto& state = m_ring.state();
    state.writer_start.store(0);
    state.owner.store(std::uint64_t { m_generation } << 32);
    state.data_seq.fetch_add(1);
    futex_wake_all(state.data_seq);
}

}
