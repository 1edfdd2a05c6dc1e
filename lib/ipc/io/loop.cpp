// The epoll loop (loop.hpp): tags name entries, so an event for an entry
// removed (or replaced) by an earlier handler of the same wait is dropped.

#include "ipc/io/loop.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/stop.hpp"

#include <algorithm>
#include <cerrno>

namespace ipc::io {

namespace {

constexpr std::uint64_t signal_tag = 0;

}

Loop::Loop() = default;

Loop::Loop(Stop& stop)
    : m_stop(&stop)
{
    m_poller.add(stop.signal_fd(), EPOLLIN, signal_tag);
}

Loop::~Loop() = default;

void Loop::insert(
    int fd, std::uint32_t events, std::uint64_t tag, bool always_ready, Handler handler)
{
    if (always_ready)
        m_always_ready.push_back(tag);
    m_tags[fd] = tag;
    m_entries.emplace(
        tag, std::make_unique<Entry>(Entry { fd, events, always_ready, std::move(handler) }));
}

void Loop::add(int fd, std::uint32_t events, Handler handler)
{
    auto const tag = m_next_tag++;
    bool const always_ready = !m_poller.try_add(fd, events, tag);
    if (always_ready && errno != EPERM)
        sys::check(-1, "epoll_ctl add");
    insert(fd, events, tag, always_ready, std::move(handler));
}

bool Loop::try_add(int fd, std::uint32_t events, Handler handler)
{
    auto const tag = m_next_tag++;
    if (!m_poller.try_add(fd, events, tag)) {
        if (errno != EPERM)
            sys::check(-1, "epoll_ctl add");
        return false;
    }
    insert(fd, events, tag, false, std::move(handler));
    return true;
}

void Loop::modify(int fd, std::uint32_t events)
{
    auto& entry = *m_entries.at(m_tags.at(fd));
    if (entry.events == events)
        return;
    entry.events = events;
    if (!entry.always_ready)
        m_poller.modify(fd, events, m_tags.at(fd));
}

void Loop::remove(int fd) noexcept
{
    auto const found = m_tags.find(fd);
    if (found == m_tags.end())
        return;
    auto const tag = found->second;
    m_tags.erase(found);
    auto entry = m_entries.find(tag);
    if (!entry->second->always_ready)
        m_poller.remove(fd);
    std::erase(m_always_ready, tag);
    if (m_dispatching > 0)
        m_removed.push_back(std::move(entry->second));
    m_entries.erase(entry);
}

void Loop::dispatch(std::uint64_t tag, std::uint32_t events)
{
    if (tag == signal_tag) {
        m_stop->check_signal();
        m_signalled = m_signalled || m_stop->signal() != 0;
        return;
    }
    auto const found = m_entries.find(tag);
    if (found == m_entries.end())
        return; // Removed by an earlier handler of this wait.
    auto* entry = found->second.get();
    entry->handler(events);
}

Loop::Result Loop::run_once(std::optional<Deadline> deadline)
{
    // Always-ready entries report what poll() would: in and out, as asked.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ready;
    for (auto const tag : m_always_ready)
        if (auto const events = m_entries.at(tag)->events & (EPOLLIN | EPOLLOUT))
            ready.emplace_back(tag, events);
    int const timeout = ready.empty() ? ms_until(deadline) : 0;
    for (auto const& event : m_poller.wait(timeout))
        ready.emplace_back(event.tag, event.events);
    ++m_dispatching;
    try {
        for (auto const& [tag, events] : ready)
            dispatch(tag, events);
    } catch (...) {
        --m_dispatching;
        throw;
    }
    if (--m_dispatching == 0)
        m_removed.clear();
    if (m_signalled) {
        m_signalled = false;
        return Result::Stopped;
    }
    if (ready.empty() && deadline && std::chrono::steady_clock::now() >= *deadline)
        return Result::Timeout;
    return Result::Ready;
}

Loop::Result Loop::run_until(std::optional<Deadline> deadline, std::function<bool()> const& done)
{
    while (!done()) {
        auto const result = run_once(deadline);
        if (result == Result::Stopped)
            return result;
        if (result == Result::Timeout && !done())
            return result;
    }
    return Result::Ready;
}

}
