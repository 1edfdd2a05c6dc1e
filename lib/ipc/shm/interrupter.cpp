#include "ipc/shm/interrupter.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/loop.hpp"

#include <cerrno>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

namespace ipc::shm {

Interrupter::Interrupter(Stop const& stop, std::function<void()> wake)
    : m_wake(std::move(wake))
    , m_quit(sys::check(::eventfd(0, EFD_CLOEXEC), "eventfd"))
    , m_thread([this, &stop] { run(stop); })
{
}

Interrupter::~Interrupter()
{
    m_acknowledged.store(true);
    std::uint64_t const one = 1;
    (void)::write(m_quit.get(), &one, sizeof(one));
    m_thread.join();
}

void Interrupter::settle(Stop& stop)
{
    acknowledge();
    stop.check_signal();
    if (stop.signal() == 0)
        stop.output_closed();
}

bool Interrupter::wait_for_either(Stop const& stop)
{
    // A loop without the stop: the signal stays in the signalfd for settle().
    io::Loop loop;
    bool quit = false;
    bool fired = false;
    loop.add(m_quit.get(), EPOLLIN, [&quit](std::uint32_t) { quit = true; });
    loop.add(stop.signal_fd(), EPOLLIN, [&fired](std::uint32_t) { fired = true; });
    if (stop.output_fd() >= 0) // Only its reader leaving: EPOLLERR, EPOLLHUP.
        loop.add(stop.output_fd(), 0, [&fired](std::uint32_t) { fired = true; });
    loop.run_until(std::nullopt, [&] { return quit || fired; });
    return quit;
}

void Interrupter::run(Stop const& stop)
{
    try {
        if (wait_for_either(stop))
            return; // The waiting ended on its own.
    } catch (...) {
        // epoll refused the output (closed, say): as poll's POLLNVAL, that fires.
    }
    m_fired.store(true);
    // A wake that lands just before the waiter sleeps is lost, so repeat
    // until the waiting loop says it has seen the flag.
    timespec const pause { 0, 50'000 };
    while (!m_acknowledged.load()) {
        m_wake();
        ::nanosleep(&pause, nullptr);
    }
}

}
