// The reader side of the ring protocol in ring_layout.hpp.

#include "ipc/shm/ring_reader.hpp"

#include "ipc/core/log.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/futex.hpp"
#include "ipc/shm/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <thread>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace ipc::shm {

namespace {

// How long a waiting reader goes without a close look (in /proc) at the writer.
constexpr auto look_interval = std::chrono::milliseconds(200);
constexpr int check_ms = 200;
// Checks of the head before sleeping: a writer in full flow publishes again
// within about this many, and a futex round trip costs far more.
constexpr int spin_rounds = 200;

void cpu_pause()
{
#ifdef __SSE2__
    _mm_pause();
#endif
}

struct HeadMark {
    std::uint64_t position;
    std::uint64_t sequence;
    std::uint32_t generation;
};

// The head with the generation and sequence there (the seqlock's reader side,
// ring_layout.hpp); nullopt when the writer stayed in mid-store throughout
// (stopped, or killed there).
std::optional<HeadMark> read_head(RingState const& state)
{
    for (int attempt = 0; attempt < 1000; ++attempt) {
        auto const before = state.head_version.load(std::memory_order_acquire);
        if ((before & 1u) == 0) {
            // The head in sequential consistency: see RingWriter::refresh_limit().
            HeadMark const mark { state.head.load(),
                state.head_sequence.load(std::memory_order_relaxed),
                state.head_generation.load(std::memory_order_relaxed) };
            std::atomic_thread_fence(std::memory_order_acquire);
            if (state.head_version.load(std::memory_order_relaxed) == before)
                return mark;
        }
        std::this_thread::yield();
    }
    return std::nullopt;
}

}

RingReader::RingReader(Ring& ring, Stop& stop)
    : m_ring(ring)
    , m_stop(stop)
{
    auto const me = self_process();
    for (int attempt = 0; attempt < 2 && !m_slot; ++attempt) {
        for (std::size_t i = 0; i < ring_slots && !m_slot; ++i) {
            std::int32_t free = 0;
            if (ring.slot(i).pid.compare_exchange_strong(free, me.pid))
                m_slot = &ring.slot(i);
        }
        if (!m_slot)
            ring.reclaim_dead_readers();
    }
    if (!m_slot)
        throw Error(Exit::TempFail,
            fmt::format("{}: all {} reader slots are taken", printable(ring.name()), ring_slots),
            "wait for a reader to end");
    auto& state = ring.state();
    m_slot->start.store(me.start);
    // Store a cursor, then read the head again: see RingWriter::refresh_limit().
    m_slot->cursor.store(state.head.load());
    m_slot->active.store(1);
    auto const mark = read_head(state);
    m_pos = mark ? mark->position : state.head.load();
    m_slot->cursor.store(m_pos);
    m_published = m_pos;
    // Join the stream being written, if its writer lives (one that died is
    // not followed: we wait for the next, as on a fresh ring). A writer that
    // has not stored its generation with the head yet starts its stream
    // here, at sequence 0.
    auto const owner = state.owner.load();
    auto const pid = static_cast<std::int32_t>(owner_pid(owner));
    if (pid != 0 && alive({ pid, state.writer_start.load() })) {
        m_generation = owner_generation(owner);
        m_synced = mark.has_value();
        if (mark && mark->generation == m_generation)
            m_expected = mark->sequence;
    }
    state.readers_seq.fetch_add(1);
    futex_wake_all(state.readers_seq);
    m_interrupter.emplace(stop, [&state] { futex_wake_all(state.data_seq); });
}

RingReader::~RingReader()
{
    m_interrupter.reset();
    m_slot->active.store(0);
    m_slot->start.store(0);
    m_slot->pid.store(0);
    auto& state = m_ring.state();
    if (state.writer_sleeping.load() != 0) {
        state.space_seq.fetch_add(1);
        futex_wake_all(state.space_seq);
    }
}

void RingReader::publish_cursor()
{
    if (m_published == m_pos)
        return;
    m_slot->cursor.store(m_pos);
    m_published = m_pos;
    auto& state = m_ring.state();
    if (state.writer_sleeping.load() != 0 && m_pos >= state.space_wanted.load()) {
        state.space_seq.fetch_add(1);
        futex_wake_all(state.space_seq);
    }
}

std::optional<RingReader::Record> RingReader::next(std::function<void()> const& before_wait)
{
    auto& state = m_ring.state();
    for (;;) {
        if (m_ended)
            return std::nullopt;
        if (m_interrupter->fired()) { // SIGINT or SIGTERM while we were busy.
            m_interrupter->settle(m_stop);
            return std::nullopt;
        }
        if (m_pos - m_published >= m_ring.capacity() / 8)
            publish_cursor();
        auto const head = state.head.load(std::memory_order_acquire);
        if (m_pos >= head) {
            if (!wait(before_wait))
                return std::nullopt;
            continue;
        }
        RecordHeader header;
        std::string_view payload;
        if (!read_at(head, header, payload))
            continue; // Overwritten by a --lossy writer: m_pos moved to the tail.
        if (m_generation == 0) {
            follow(header.generation); // The first stream after we came: all of it is ours.
        } else if (header.generation != m_generation) {
            writer_died(); // A newer stream began, and ours never ended.
        } else if (!m_synced) {
            m_expected = header.sequence; // We joined this stream after its start.
            m_synced = true;
        }
        if (header.sequence > m_expected) {
            m_lost += header.sequence - m_expected;
            warn("{}: lost {} messages: the --lossy writer overwrote them",
                printable(m_ring.name()), header.sequence - m_expected);
        }
        m_expected = std::max(m_expected, header.sequence + header.count);
        m_pos += record_span(header.size);
        if (header.type == RecordType::End) {
            m_ended = true;
            publish_cursor();
            return std::nullopt;
        }
        return Record { header.type, header.delimiter, header.count, payload };
    }
}

// Reads the record at m_pos (below head). Without --lossy it stays where it
// is, protected by our cursor; behind a --lossy writer it is copied out, and
// kept only if the tail shows afterwards that no byte of it was overwritten.
bool RingReader::read_at(std::uint64_t head, RecordHeader& header, std::string_view& payload)
{
    auto& state = m_ring.state();
    bool const lossy = (state.flags.load(std::memory_order_relaxed) & ring_lossy) != 0;
    auto const* at = m_ring.at(m_pos);
    std::memcpy(&header, at, sizeof(header));
    auto const max = max_record_size(m_ring.capacity());
    bool const sane = header.size <= max && m_pos + record_span(header.size) <= head
        && header.type >= RecordType::Message && header.type <= RecordType::End;
    if (lossy) {
        if (sane)
            m_copy.assign(reinterpret_cast<char const*>(at) + sizeof(header), header.size);
        std::atomic_thread_fence(std::memory_order_acquire);
        auto const tail = state.tail.load(std::memory_order_acquire);
        if (tail > m_pos) {
            m_pos = tail; // Overwritten while we looked: go on from the oldest record kept.
            return false;
        }
        payload = m_copy;
    } else {
        payload = { reinterpret_cast<char const*>(at) + sizeof(header), header.size };
    }
    if (!sane)
        throw Error(Exit::IoError,
            fmt::format(
                "{}: corrupt record at position {} of the ring", printable(m_ring.name()), m_pos),
            fmt::format("remove it with 'ipc-shm rm {}'", printable(m_ring.name())));
    return true;
}

// Sleeps until the head moves; false when stop ended the wait, or the stream
// ended without an End record we could see.
bool RingReader::wait(std::function<void()> const& before_wait)
{
    auto& state = m_ring.state();
    publish_cursor();
    if (before_wait)
        before_wait();
    for (int round = 0; round < spin_rounds; ++round) {
        if (state.head.load(std::memory_order_acquire) > m_pos)
            return true;
        cpu_pause();
    }
    if (m_interrupter->fired()) {
        m_interrupter->settle(m_stop);
        return false;
    }
    if (m_stop.done())
        return false;
    auto const now = std::chrono::steady_clock::now();
    bool const look_closely = now - m_last_look >= look_interval;
    if (look_closely)
        m_last_look = now;
    state.readers_sleeping.fetch_add(1);
    auto const seen = state.data_seq.load();
    bool gone = false;
    if (state.head.load() <= m_pos) {
        gone = writer_gone(look_closely);
        if (!gone && state.head.load() <= m_pos) {
            int const deadline = m_stop.wait_ms();
            futex_wait(
                state.data_seq, seen, deadline < 0 ? check_ms : std::min(deadline, check_ms));
        }
    }
    state.readers_sleeping.fetch_sub(1);
    if (gone)
        m_ended = true;
    return !gone;
}

// At the head: true when the writer of our stream closed it cleanly; throws
// when it died. A closer look reads /proc to tell a dead writer (even a
// zombie, or a pid reused since) from a live one.
bool RingReader::writer_gone(bool look_closely)
{
    auto& state = m_ring.state();
    auto const owner = state.owner.load();
    auto const pid = static_cast<std::int32_t>(owner_pid(owner));
    if (m_generation == 0) {
        // A writer came after us: follow its stream. One that died before
        // we came is not ours; we wait for the next.
        if (pid != 0 && alive({ pid, state.writer_start.load() }))
            follow(owner_generation(owner));
        return false;
    }
    bool died = false;
    bool closed = false;
    if (owner_generation(owner) != m_generation)
        died = true; // Another writer took over; ours never ended.
    else if (pid == 0)
        closed = true;
    else if (look_closely)
        died = !alive({ pid, state.writer_start.load() });
    if ((died || closed) && state.head.load() > m_pos)
        return false; // What it wrote last is still to be read.
    if (died)
        writer_died();
    return closed;
}

void RingReader::follow(std::uint32_t generation)
{
    m_generation = generation;
    m_expected = 0;
    m_synced = true;
}

void RingReader::writer_died() const
{
    throw Error(Exit::IoError,
        fmt::format("{}: the writer died before it ended the stream", printable(m_ring.name())),
        "run 'ipc-shm write' again");
}

}
