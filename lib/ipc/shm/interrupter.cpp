#include "ipc/shm/interrupter.hpp"

#include "ipc/io/sys.hpp"

#include <cerrno>
#include <poll.h>
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

void Interrupter::run(Stop const& stop)
{
    pollfd fds[] = { { m_quit.get(), POLLIN, 0 }, { stop.signal_fd(), POLLIN, 0 },
        { stop.output_fd(), 0, 0 } };
    nfds_t const count = stop.output_fd() >= 0 ? 3 : 2;
    while (::poll(fds, count, -1) < 0 && errno == EINTR) { }
    if (fds[0].revents != 0)
        return; // The waiting ended on its own.
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
