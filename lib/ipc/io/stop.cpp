#include "ipc/io/stop.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/loop.hpp"

#include <sys/signalfd.h>

namespace ipc {

namespace {

sigset_t stop_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}

Stop::Stop(Limits const& limits)
    : m_limits(limits)
    , m_start(Clock::now())
    , m_last(m_start)
{
    auto const set = stop_signals();
    sys::check(::sigprocmask(SIG_BLOCK, &set, &m_old_mask), "sigprocmask");
    m_signal_fd.reset(sys::check(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC), "signalfd"));
}

Stop::~Stop()
{
    ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
}

void Stop::check_signal()
{
    signalfd_siginfo info {};
    while (::read(m_signal_fd.get(), &info, sizeof(info)) == sizeof(info))
        if (m_signal == 0)
            m_signal = static_cast<int>(info.ssi_signo);
}

void Stop::count(std::uint64_t count)
{
    m_counted += count;
    if (m_limits.idle)
        m_last = Clock::now();
}

bool Stop::done()
{
    if (m_signal != 0 || m_timed_out || m_idled || m_output_closed)
        return true;
    if (m_limits.count && m_counted >= *m_limits.count)
        return true;
    if (!m_limits.timeout && !m_limits.idle)
        return false;
    auto const now = Clock::now();
    if (m_limits.timeout && now - m_start >= *m_limits.timeout)
        m_timed_out = true;
    else if (m_limits.idle && now - m_last >= *m_limits.idle)
        m_idled = true;
    return m_timed_out || m_idled;
}

bool Stop::watch_output_in(io::Loop& loop)
{
    if (m_output_fd < 0)
        return false;
    // No events asked until the drain has some: epoll reports EPOLLERR once
    // a pipe's reader is gone, EPOLLHUP once a terminal hangs up.
    auto const on_event = [this](std::uint32_t events) {
        if (events & (EPOLLERR | EPOLLHUP))
            m_output_closed = true;
        else if ((events & EPOLLOUT) && m_drain.write)
            m_drain.write();
    };
    try {
        return loop.try_add(m_output_fd, 0, on_event); // Files cannot be polled, nor need to be.
    } catch (SystemError const&) {
        return false; // Not an fd, or one the loop has (stdout closed, its number reused).
    }
}

void Stop::refresh_output_in(io::Loop& loop)
{
    if (m_drain.pending && loop.contains(m_output_fd))
        loop.modify(m_output_fd, m_drain.pending() ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
}

bool Stop::timed_out()
{
    if (!m_timed_out && m_limits.timeout && Clock::now() - m_start >= *m_limits.timeout)
        m_timed_out = true;
    return m_timed_out;
}

int Stop::timeout_ms() const
{
    return m_limits.timeout ? ms_until(m_start + *m_limits.timeout) : -1;
}

std::optional<Deadline> Stop::deadline() const
{
    std::optional<Deadline> next;
    if (m_limits.timeout)
        next = m_start + *m_limits.timeout;
    if (m_limits.idle)
        next = std::min(next.value_or(Deadline::max()), m_last + *m_limits.idle);
    return next;
}

bool Stop::sleep(Duration duration)
{
    auto const until = Clock::now() + duration;
    io::Loop loop(*this);
    while (!done()) {
        if (Clock::now() >= until)
            return true;
        loop.run_once(std::min(until, deadline().value_or(until)));
    }
    return false;
}

Exit Stop::exit() const
{
    return m_timed_out ? Exit::Timeout : Exit::Ok;
}

Exit Stop::interrupted_exit() const
{
    if (m_signal == SIGINT)
        return Exit::Interrupted;
    if (m_signal == SIGTERM)
        return Exit::Terminated;
    return exit();
}

}
