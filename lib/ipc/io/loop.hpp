#pragma once

// The one wait of the library: fds with their handlers in an epoll set, the
// Stop's signalfd registered once, and a deadline. Callers say what they wait
// for (run_until's predicate) instead of writing poll + signalfd + EINTR +
// deadline-to-milliseconds loops of their own. Any fd can join, including
// one that another library owns (a client library's eventfd); an fd epoll
// cannot watch (a regular file, /dev/null) is always ready, as poll() says.

#include "ipc/core/time.hpp"
#include "ipc/io/poller.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ipc {
class Stop;
}

namespace ipc::io {

class Loop {
public:
    // Called with the ready events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
    using Handler = std::function<void(std::uint32_t events)>;

    Loop();
    // Also watches stop's signalfd: a SIGINT or SIGTERM is recorded in stop
    // (check_signal) and ends the wait with Stopped.
    explicit Loop(Stop& stop);
    ~Loop();
    Loop(Loop const&) = delete;
    Loop& operator=(Loop const&) = delete;

    // Watches fd (owned by the caller, which removes it before closing it)
    // for events. A handler may add, modify and remove fds, itself included.
    void add(int fd, std::uint32_t events, Handler handler);
    // The same, but false (and fd not added) when epoll cannot watch fd, for
    // a caller that reads such an fd at its own pace instead.
    bool try_add(int fd, std::uint32_t events, Handler handler);
    void modify(int fd, std::uint32_t events);
    void remove(int fd) noexcept;
    bool contains(int fd) const { return m_tags.contains(fd); }

    enum class Result {
        Ready, // Handlers ran (run_once), or the predicate holds (run_until).
        Timeout, // The deadline passed first.
        Stopped, // A signal arrived: stop.signal() says which.
    };

    // Waits once, until an fd is ready (then runs its handlers), the
    // deadline passes or a signal arrives; no deadline waits for ever, a
    // passed one does not block. EINTR counts as nothing ready.
    Result run_once(std::optional<Deadline> deadline = std::nullopt);
    // Waits and dispatches until done() holds (checked first, then after
    // each wait), the deadline passes or a signal arrives.
    Result run_until(std::optional<Deadline> deadline, std::function<bool()> const& done);

private:
    struct Entry {
        int fd;
        std::uint32_t events;
        bool always_ready; // epoll refused it (EPERM): ready as poll() says.
        Handler handler;
    };
    void insert(
        int fd, std::uint32_t events, std::uint64_t tag, bool always_ready, Handler handler);
    void dispatch(std::uint64_t tag, std::uint32_t events);

    Poller m_poller;
    Stop* m_stop = nullptr;
    std::uint64_t m_next_tag = 1; // 0 is the signalfd.
    std::unordered_map<int, std::uint64_t> m_tags; // fd -> tag of its entry.
    std::unordered_map<std::uint64_t, std::unique_ptr<Entry>> m_entries;
    std::vector<std::uint64_t> m_always_ready;
    // Entries removed while handlers run, freed after: a handler may remove itself.
    std::vector<std::unique_ptr<Entry>> m_removed;
    int m_dispatching = 0;
    bool m_signalled = false;
};

}
