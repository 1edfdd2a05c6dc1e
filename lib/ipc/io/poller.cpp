#include "ipc/io/poller.hpp"

#include "ipc/core/sys.hpp"

namespace ipc::io {

Poller::Poller()
    : m_epoll(sys::check(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1"))
    , m_raw(64)
{
}

void Poller::add(int fd, std::uint32_t events, std::uint64_t tag)
{
    epoll_event event {};
    event.events = events;
    event.data.u64 = tag;
    sys::check(::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event), "epoll_ctl add");
}

bool Poller::try_add(int fd, std::uint32_t events, std::uint64_t tag) noexcept
{
    epoll_event event {};
    event.events = events;
    event.data.u64 = tag;
    return ::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}

void Poller::modify(int fd, std::uint32_t events, std::uint64_t tag)
{
    epoll_event event {};
    event.events = events;
    event.data.u64 = tag;
    sys::check(::epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, &event), "epoll_ctl mod");
}

void Poller::remove(int fd) noexcept
{
    ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
}

std::span<Poller::Event const> Poller::wait(int timeout_ms)
{
    m_ready.clear();
    int const count
        = ::epoll_wait(m_epoll.get(), m_raw.data(), static_cast<int>(m_raw.size()), timeout_ms);
    if (count < 0) {
        if (errno == EINTR)
            return {};
        sys::check(count, "epoll_wait");
    }
    for (int i = 0; i < count; ++i) {
        auto const& raw = m_raw[static_cast<std::size_t>(i)];
        m_ready.push_back({ raw.data.u64, raw.events });
    }
    return m_ready;
}

}
