#pragma once

// One reader of a ring. It registers in a free slot of the ring's table at
// the current head (a reader that starts late begins there), hands out the
// records after it one at a time, publishes its cursor in batches, and sleeps
// on a futex when it has caught up. Behind a --lossy writer it copies each
// record out and checks afterwards that the writer did not overwrite it
// meanwhile (a seqlock on the tail), and counts and reports what it lost.

#include "ipc/io/stop.hpp"
#include "ipc/shm/interrupter.hpp"
#include "ipc/shm/ring.hpp"
#include "ipc/shm/ring_layout.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::shm {

class RingReader {
public:
    // Throws Error(TempFail) when every slot is taken by a live reader.
    RingReader(Ring& ring, Stop& stop);
    ~RingReader(); // Gives the slot back.
    RingReader(RingReader const&) = delete;
    RingReader& operator=(RingReader const&) = delete;

    struct Record {
        RecordType type; // Message or Lines.
        char delimiter; // Lines: each message ends with it.
        std::uint64_t count; // Messages in the record; 0 for Lines not counted.
        std::string_view payload; // Valid until the next call.
    };

    // The next record, waiting for one (and calling before_wait before it
    // sleeps); nullopt at the end of the stream (ended() is true then) or
    // when stop ended the wait. Throws Error(IoError) when the writer died
    // before ending its stream, or a record is corrupt.
    std::optional<Record> next(std::function<void()> const& before_wait = {});

    bool ended() const { return m_ended; }
    // Messages a --lossy writer overwrote before this reader got them.
    std::uint64_t lost() const { return m_lost; }

private:
    bool wait(std::function<void()> const& before_wait);
    bool writer_gone(bool look_closely);
    void publish_cursor();
    bool read_at(std::uint64_t head, RecordHeader& header, std::string_view& payload);
    void follow(std::uint32_t generation);
    [[noreturn]] void writer_died() const;

    Ring& m_ring;
    Stop& m_stop;
    RingSlot* m_slot = nullptr;
    std::optional<Interrupter> m_interrupter;
    std::uint64_t m_pos = 0;
    std::uint64_t m_published = 0;
    std::uint32_t m_generation = 0; // Of the stream followed; 0 until one is known.
    std::uint64_t m_expected = 0; // Sequence of the next message.
    bool m_synced = false; // m_expected is known (false: take the first record's).
    std::uint64_t m_lost = 0;
    std::string m_copy; // Behind a --lossy writer: the record, copied out.
    std::chrono::steady_clock::time_point m_last_look {};
    bool m_ended = false;
};

}
