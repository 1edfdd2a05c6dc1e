// The seqlock follows Boehm's "Can seqlocks get along with programming
// language memory models?": the setter stores an odd sequence, fences, writes
// the data, then stores the next even sequence with release; a reader loads
// the sequence with acquire, copies, fences with acquire and loads it again.

#include "ipc/shm/board.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/draft.hpp"
#include "ipc/shm/futex.hpp"
#include "ipc/shm/interrupter.hpp"
#include "ipc/shm/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sys/stat.h>
#include <time.h>
#include <vector>

namespace ipc::shm {

// Right after the Header; the value's bytes follow at header_size.
struct Board::State {
    std::atomic<std::uint32_t> seq; // Even: stable; odd: a write in progress; 0: never set.
    std::atomic<std::int32_t> writer; // Pid of the setter holding the lock; 0 when free.
    std::atomic<std::uint32_t> replaced; // 1 once a bigger board took over the name.
    std::atomic<std::uint32_t> lock_waiters; // Setters asleep on the writer word.
    std::atomic<std::uint64_t> length;
    // The lock holder's start time (process.hpp), stored right after it took
    // the lock and cleared before it lets go; 0: not known (not compared).
    std::atomic<std::uint64_t> writer_start;
    std::uint64_t reserved[4];
};
static_assert(sizeof(std::atomic<std::uint64_t>) == 8);

namespace {

constexpr std::size_t board_header_size = sizeof(Header) + 64;

std::size_t capacity_for(std::size_t size)
{
    std::size_t capacity = default_board_capacity;
    while (capacity < size)
        capacity *= 2;
    return capacity;
}

// Builds a board segment holding value (or no value when seq is 0) in a draft.
void fill_draft(Draft const& draft, std::size_t capacity, std::uint32_t seq, std::string_view value)
{
    auto const size = board_header_size + capacity;
    sys::check(::ftruncate(draft.fd(), static_cast<off_t>(size)), "truncate", draft.temp_path());
    Mapping map(draft.fd(), size, true);
    auto const header = make_header(Kind::Board, board_header_size, capacity);
    std::memcpy(map.data(), &header, sizeof(header));
    // The file is fresh and private to us until committed, so plain stores do.
    std::uint64_t const length = value.size();
    std::memcpy(map.data() + sizeof(Header), &seq, sizeof(seq));
    std::memcpy(map.data() + sizeof(Header) + 16, &length, sizeof(length));
    if (!value.empty()) // An empty view may hold a null pointer, which memcpy must not get.
        std::memcpy(map.data() + board_header_size, value.data(), value.size());
}

Segment open_or_create(Store const& store, std::string_view name, Board::Create create, mode_t mode)
{
    for (;;) {
        try {
            return open(store, name, Kind::Board, Access::ReadWrite);
        } catch (Error const& error) {
            if (error.exit() != Exit::Unavailable || create == Board::Create::No)
                throw;
        }
        Draft draft(store, name, mode);
        fill_draft(draft, default_board_capacity, 0, {});
        // Open it, or theirs when someone else created NAME meanwhile (or
        // make another when a watcher that gave up removed it first).
        draft.commit_create();
    }
}

}

std::optional<std::string> board_layout_problem(Header const& header)
{
    if (header.header_size < board_header_size)
        return "board header too small";
    return std::nullopt;
}

Board::Board(Store const& store, std::string_view name, Create create, mode_t mode)
    : m_store(store)
    , m_name(name)
    , m_mode(mode)
    , m_segment(open_or_create(store, name, create, mode))
{
}

Board::State& Board::state() const
{
    return *reinterpret_cast<State*>(m_segment.map.data() + sizeof(Header));
}

char* Board::data() const
{
    return reinterpret_cast<char*>(m_segment.payload());
}

std::size_t Board::capacity() const
{
    return static_cast<std::size_t>(m_segment.map.header().data_size);
}

bool Board::holder_alive(std::int32_t holder) const
{
    return alive({ holder, state().writer_start.load() });
}

void Board::lock()
{
    auto const self = self_process();
    auto& writer = state().writer;
    for (;;) {
        std::int32_t holder = 0;
        if (writer.compare_exchange_weak(holder, self.pid, std::memory_order_acquire))
            break;
        // A setter killed while it held the lock must not wedge the board,
        // also once another process got its pid.
        if (holder != 0 && !holder_alive(holder)
            && writer.compare_exchange_strong(holder, self.pid, std::memory_order_acquire))
            break;
        // Sleep until the holder lets go; a holder that dies never wakes us,
        // so look again now and then.
        auto& waiters = state().lock_waiters;
        waiters.fetch_add(1);
        futex_wait(writer, holder, 10);
        waiters.fetch_sub(1);
    }
    state().writer_start.store(self.start);
}

void Board::unlock()
{
    state().writer_start.store(0);
    state().writer.store(0);
    if (state().lock_waiters.load() != 0)
        futex_wake_all(state().writer);
}

void Board::set(std::string_view value)
{
    for (;;) {
        lock();
        if (state().replaced.load(std::memory_order_acquire) != 0) {
            unlock();
            m_segment = open(m_store, m_name, Kind::Board, Access::ReadWrite);
            continue;
        }
        if (value.size() > capacity()) {
            move_to_bigger(value);
            unlock();
            m_segment = open(m_store, m_name, Kind::Board, Access::ReadWrite);
            return;
        }
        auto& seq = state().seq;
        // An odd sequence here means a setter died mid-write: finish its turn.
        auto const odd = seq.load(std::memory_order_relaxed) | 1u;
        seq.store(odd, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        state().length.store(value.size(), std::memory_order_relaxed);
        if (!value.empty())
            std::memcpy(data(), value.data(), value.size());
        auto const next = odd + 1 == 0 ? 2u : odd + 1; // 0 stays "never set".
        seq.store(next, std::memory_order_release);
        unlock();
        futex_wake_all(seq);
        return;
    }
}

// Called with the lock held: the new board gets the value and a later
// sequence, then this one is marked replaced and its watchers are woken.
void Board::move_to_bigger(std::string_view value)
{
    auto& seq = state().seq;
    auto const current = seq.load(std::memory_order_relaxed);
    auto const next = ((current | 1u) + 1 == 0) ? 2u : (current | 1u) + 1;
    {
        Draft draft(m_store, m_name, m_mode);
        struct stat st { };
        if (::fstat(m_segment.fd.get(), &st) == 0)
            ::fchmod(draft.fd(), st.st_mode & 0777); // Keep the board's mode.
        fill_draft(draft, capacity_for(value.size()), next, value);
        draft.commit_replace();
    }
    state().replaced.store(1, std::memory_order_release);
    seq.store(next, std::memory_order_release);
    futex_wake_all(seq);
}

Board::Read Board::read(std::string& out, std::uint32_t& seq_out) const
{
    auto const& seq = state().seq;
    for (int attempt = 0;; ++attempt) {
        auto const before = seq.load(std::memory_order_acquire);
        seq_out = before; // What a caller that waits next must wait on.
        if (before == 0)
            return Read::Unset;
        if (before & 1u) {
            if (attempt > 1000)
                return Read::Busy;
            continue;
        }
        // A torn length must not take the copy out of bounds.
        auto const length
            = std::min<std::uint64_t>(state().length.load(std::memory_order_relaxed), capacity());
        out.assign(data(), static_cast<std::size_t>(length));
        std::atomic_thread_fence(std::memory_order_acquire);
        if (seq.load(std::memory_order_relaxed) == before)
            return Read::Value;
    }
}

std::optional<std::string> Board::get() const
{
    std::string value;
    std::uint32_t seen = 0;
    for (;;) {
        switch (read(value, seen)) {
        case Read::Value:
            return value;
        case Read::Unset:
            return std::nullopt;
        case Read::Busy:
            if (setter_died())
                throw Error(Exit::IoError,
                    fmt::format(
                        "{}: a setter died while writing; the value is lost", printable(m_name)),
                    fmt::format("set a new one with 'ipc-shm set {} VALUE'", printable(m_name)));
            wait(seen, 10);
        }
    }
}

std::uint32_t Board::seq() const
{
    return state().seq.load(std::memory_order_acquire);
}

void Board::wait(std::uint32_t seen, int timeout_ms) const
{
    futex_wait(state().seq, seen, timeout_ms);
}

bool Board::replaced() const
{
    return state().replaced.load(std::memory_order_acquire) != 0;
}

void Board::wake() const
{
    futex_wake_all(state().seq);
}

bool Board::setter_died() const
{
    // The lock is released only after the even sequence is stored, so an odd
    // sequence that stays put around a dead holder means that setter died
    // mid-write; a setter that merely finished meanwhile changes the sequence.
    auto const& seq = state().seq;
    auto const before = seq.load(std::memory_order_acquire);
    if ((before & 1u) == 0)
        return false;
    auto const holder = state().writer.load(std::memory_order_acquire);
    return !holder_alive(holder) && seq.load(std::memory_order_acquire) == before;
}

void watch(Store const& store, std::string_view name, Stop& stop,
    std::function<void(std::string_view)> const& on_value, std::function<void()> const& before_wait)
{
    // Replaced boards stay mapped until the end, so the interrupter never wakes
    // an unmapped one; each replacement doubles the capacity, so they are few.
    std::vector<std::unique_ptr<Board>> boards;
    boards.push_back(std::make_unique<Board>(store, name, Board::Create::Yes));
    Board* board = boards.back().get();
    std::atomic<Board const*> current { board };
    Interrupter interrupter(stop, [&current] { current.load()->wake(); });
    std::string value;
    std::uint32_t seen = 0;
    while (!stop.done()) {
        if (interrupter.fired()) {
            interrupter.settle(stop);
            break;
        }
        if (board->replaced()) {
            boards.push_back(std::make_unique<Board>(store, name, Board::Create::Yes));
            board = boards.back().get();
            current.store(board);
            seen = 0;
            continue;
        }
        std::uint32_t seq = 0;
        auto const outcome = board->read(value, seq);
        if (outcome == Board::Read::Value && seq != seen) {
            seen = seq;
            on_value(value);
            continue;
        }
        before_wait();
        // Wait on the sequence read saw, not a fresh one: a set that lands
        // between the two would otherwise be slept through (a lost wake-up).
        board->wait(seq, stop.wait_ms());
    }
    interrupter.acknowledge();
    boards.front()->remove_if_unused(); // A mistyped name leaves nothing behind.
}

void Board::remove_if_unused()
{
    remove_if_alone(m_segment, [this] { return seq() == 0 && !replaced(); });
}

}
