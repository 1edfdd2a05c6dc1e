#pragma once

// Boards: one latest value under a name, behind a seqlock. A setter writes in
// place under a lock word holding its pid, with its start time beside it (so
// a setter killed mid-write cannot wedge the others, even once its pid is
// reused; setters waiting for the lock sleep on it as a futex); readers copy
// and retry until the sequence held still, so they never see a torn value;
// watchers sleep on the sequence word (futex).
// A value larger than the board moves the name to a bigger board.

#include "ipc/io/stop.hpp"
#include "ipc/shm/segment.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::shm {

// The smallest capacity of a new board, so small values never need a move.
inline constexpr std::size_t default_board_capacity = 4096;

// Why a segment whose header says Board cannot be one, nullopt when it can.
// Used by shm::open() and for ls.
std::optional<std::string> board_layout_problem(Header const& header);

class Board {
public:
    // Opens the board NAME, creating an empty one (with mode) when it does not
    // exist and create is Yes. Throws like shm::open() otherwise.
    enum class Create { No, Yes };
    Board(Store const& store, std::string_view name, Create create, mode_t mode = 0600);

    // Makes value the current one and wakes the watchers.
    void set(std::string_view value);

    // The outcome of read(): Value fills out; Unset means no value
    // was ever set; Busy means a write is in progress (or its setter died).
    // seq is always set to the sequence seen: the one to wait on next.
    enum class Read { Value, Unset, Busy };
    Read read(std::string& out, std::uint32_t& seq) const;

    // The current value, waiting out a write in progress; nullopt when none was
    // ever set. Throws Error(IoError) when a setter died in mid-write.
    std::optional<std::string> get() const;

    // The sequence number of the current value (even; 0 when none).
    std::uint32_t seq() const;

    // Sleeps until the sequence differs from seen, at most timeout_ms
    // (negative: no limit); may return early.
    void wait(std::uint32_t seen, int timeout_ms) const;

    // True once a bigger board took over the name: reopen it.
    bool replaced() const;

    // Wakes everyone waiting on this board (to end a wait early).
    void wake() const;

    // True when a write is in progress whose setter is dead.
    bool setter_died() const;

    std::size_t capacity() const;

    // For a watcher that gives up: removes NAME when no value was ever set
    // and nobody else has the board open (remove_if_alone()). Last call.
    void remove_if_unused();

private:
    struct State;
    State& state() const;
    char* data() const;
    // Whether the setter holding the lock (holder, read from it) lives:
    // a process with its pid and, when known, its start time.
    bool holder_alive(std::int32_t holder) const;
    void lock();
    void unlock();
    void move_to_bigger(std::string_view value);

    Store m_store;
    std::string m_name;
    mode_t m_mode;
    Segment m_segment;
};

// Calls on_value with the current value (when there is one) and then with each
// new one, skipping to the newest when values come faster, until stop is
// done: --count, --timeout, --idle, SIGINT, SIGTERM, or stdout (the fd stop
// watches) closed. Calls before_wait before it sleeps, so output can be flushed.
// Creates an empty board when NAME does not exist, and removes it again
// when it ends with no value set and nobody else has it open.
void watch(Store const& store, std::string_view name, Stop& stop,
    std::function<void(std::string_view)> const& on_value,
    std::function<void()> const& before_wait);

}
