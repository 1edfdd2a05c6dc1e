#pragma once

// Futex wait and wake on a 32-bit word in shared memory (not the PRIVATE
// variants: the waiters are other processes).

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <linux/futex.h>
#include <optional>
#include <sys/syscall.h>
#include <type_traits>
#include <unistd.h>

namespace ipc::shm {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(sizeof(std::atomic<std::int32_t>) == sizeof(std::int32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// Sleeps while word == expected, until woken, or for at most timeout_ms
// (negative: no limit). Returns at once when the word already differs; may
// return spuriously, so callers loop and re-check.
template<typename Word>
requires(sizeof(Word) == 4 && std::is_integral_v<Word>) inline void futex_wait(
    std::atomic<Word>& word, Word expected, int timeout_ms)
{
    timespec timeout {};
    timespec* limit = nullptr;
    if (timeout_ms >= 0) {
        timeout.tv_sec = timeout_ms / 1000;
        timeout.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1'000'000;
        limit = &timeout;
    }
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT,
        static_cast<std::uint32_t>(expected), limit, nullptr, 0);
}

// Wakes every process waiting on word.
template<typename Word>
requires(sizeof(Word) == 4 && std::is_integral_v<Word>) inline void futex_wake_all(
    std::atomic<Word>& word)
{
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr,
        nullptr, 0);
}

}
