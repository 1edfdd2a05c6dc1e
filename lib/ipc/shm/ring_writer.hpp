#pragma once

// The one writer of a ring. It claims the ring's owner word (refusing while
// another writer lives), starts a new stream generation, appends records and
// publishes them in batches, and ends the stream with an End record, for
// which room is always kept, so ending never waits.

#include "ipc/io/stop.hpp"
#include "ipc/shm/interrupter.hpp"
#include "ipc/shm/ring.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace ipc::shm {

enum class Overflow { Block, Lossy };

class RingWriter {
public:
    // Throws Error(TempFail) when another live writer owns the ring.
    RingWriter(Ring& ring, Overflow overflow, Stop& stop);
    ~RingWriter(); // Ends the stream if end() was not called.
    RingWriter(RingWriter const&) = delete;
    RingWriter& operator=(RingWriter const&) = delete;

    // Waits until count live readers are registered; false when stop ended it.
    bool wait_for_readers(std::size_t count);

    // The longest message a record can hold.
    std::size_t max_message() const;
    // Throws Error(Usage) for a message of size bytes (more: or more) that
    // is longer than max_message().
    [[noreturn]] void refuse(std::size_t size, bool more) const;
    std::size_t capacity() const { return m_ring.capacity(); }
    // Whether the readers need each record's message count: only behind
    // --lossy, to count what they lost (ring_layout.hpp).
    bool needs_counts() const { return m_overflow == Overflow::Lossy; }

    // Appends one message, or a run of count messages that each end with
    // delimiter; waits for room (without --lossy) and returns false when
    // stop ended the wait. Throws Error(Usage) for a message over max_message().
    bool write_message(std::string_view data);
    bool write_run(std::string_view run, char delimiter, std::uint64_t count);

    // Direct appends, for input read straight into the ring. reserve() waits
    // for room for a record of size payload bytes (like write_message) and
    // returns where its payload goes, contiguous even across the wrap;
    // nullptr when stop ended the wait. Its first carry bytes are the carry
    // bytes that followed the payload of the last record commit() appended,
    // moved there. commit() appends the record whose payload is in place.
    std::byte* reserve(std::size_t size, std::size_t carry = 0);
    void commit(RecordType type, std::size_t size, char delimiter, std::uint64_t count);

    // Makes everything appended visible to the readers and wakes sleepers.
    void publish();

    // Appends the End record, publishes and gives up the ring. Idempotent.
    void end() noexcept;

private:
    bool append(RecordType type, std::string_view payload, char delimiter, std::uint64_t count);
    bool make_room(std::uint64_t span);
    void refresh_limit();
    void advance_tail(std::uint64_t end);
    void share(bool wake);
    void store_head();

    Ring& m_ring;
    Overflow m_overflow;
    Stop& m_stop;
    std::optional<Interrupter> m_interrupter;
    std::uint32_t m_generation = 0;
    std::uint64_t m_head = 0; // Local: may run ahead of the published head.
    std::uint64_t m_published = 0;
    std::uint64_t m_woken = 0; // The head when the readers were last woken.
    std::uint64_t m_tail = 0;
    std::uint64_t m_limit = 0; // Appending may go up to here without a look at the readers.
    std::uint64_t m_sequence = 0; // Messages appended.
    std::uint64_t m_payload_end = 0; // Where the payload of the last commit() ended.
    std::chrono::steady_clock::time_point m_last_reclaim {};
    bool m_ended = false;
};

}
