#pragma once

// A small epoll wrapper: register fds with a tag, wait, and get back the ready
// tags. Callers own the fds and dispatch on the tags themselves.

#include "ipc/core/fd.hpp"

#include <cstdint>
#include <span>
#include <sys/epoll.h>
#include <vector>

namespace ipc::io {

class Poller {
public:
    Poller();

    void add(int fd, std::uint32_t events, std::uint64_t tag);
    // The same, but false instead of throwing for fds epoll cannot watch (files).
    bool try_add(int fd, std::uint32_t events, std::uint64_t tag) noexcept;
    void modify(int fd, std::uint32_t events, std::uint64_t tag);
    void remove(int fd) noexcept;

    struct Event {
        std::uint64_t tag;
        std::uint32_t events;
    };
    // Waits up to timeout_ms (-1: forever, 0: do not block); EINTR returns no events.
    std::span<Event const> wait(int timeout_ms);

private:
    Fd m_epoll;
    std::vector<epoll_event> m_raw;
    std::vector<Event> m_ready;
};

}
