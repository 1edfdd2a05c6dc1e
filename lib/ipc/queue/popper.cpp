// The pop loop: lease a batch, write it, ack what the reader has taken (all
// of it, unless the output is a pipe), and between batches, while waiting
// for items and at the end, keep renewing the leases of the rest.

#include "ipc/queue/popper.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace ipc::queue {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t batch_items = 1000;
// The slow timer behind the waiter, in case a wake-up was missed.
constexpr int fallback_ms = 5000;
// How often to look whether the reader has taken more, while it has not
// taken everything: from the first to the last, doubling in between.
constexpr int first_look_ms = 1;
constexpr int last_look_ms = 100;

bool is_pipe(int fd)
{
    struct stat status { };
    return ::fstat(fd, &status) == 0 && S_ISFIFO(status.st_mode);
}

// The bytes written to the pipe at fd that nobody has read yet.
std::uint64_t unread(int fd)
{
    int count = 0;
    if (::ioctl(fd, FIONREAD, &count) != 0 || count < 0)
        return 0;
    return static_cast<std::uint64_t>(count);
}

// The earlier of two wait timeouts, -1 meaning none.
int sooner(int a, int b)
{
    return a < 0 ? b : b < 0 ? a : std::min(a, b);
}

}

Popper::Popper(Queue& queue, std::string name, PopOptions const& options)
    : m_queue(queue)
    , m_name(std::move(name))
    , m_options(options)
    , m_stop(options.limits)
    , m_loop(m_stop)
    , m_pipe(is_pipe(options.output_fd))
    , m_own(m_pipe ? sys::reopen_nonblocking(options.output_fd) : Fd {})
    , m_out(m_own ? m_own.get() : options.output_fd, options.framing)
{
    if (m_options.wait) {
        m_waiter = m_queue.waiter(); // Before the first look, so no push is missed.
        m_loop.add(m_waiter->fd(), 0, [this](std::uint32_t events) { m_waiter_events = events; });
    }
    try {
        m_loop.add(output(), 0, [this](std::uint32_t events) { m_output_events = events; });
    } catch (SystemError const&) {
        // Not an fd (EBADF): the first write says so, and pop gives back what it leased.
    }
    m_out.set_on_blocked([this] { return wait_writable(); });
}

Popper::~Popper() = default;

Exit Popper::run()
{
    try {
        for (;;) {
            m_stop.check_signal(); // Also between batches of a long drain.
            if (m_stop.done() || m_reader_gone)
                break;
            settle();
            renew();
            m_batch = m_queue.lease(
                std::min<std::uint64_t>(m_stop.remaining(), batch_items), m_options.lease);
            if (!m_batch.empty())
                write();
            else if (!m_waiter || !wait_for_items())
                break;
        }
        finish();
    } catch (...) {
        // The reader went away or a write failed (EBADF, ENOSPC): caught
        // here, besides run(), to give back at once what the reader never
        // took, rather than when its lease runs out.
        give_back();
        throw;
    }
    give_back();
    return m_stop.exit();
}

// Writes the batch, moving each item to the ledger once it is in the output.
void Popper::write()
{
    if (m_ledger.empty())
        m_renew_at = Clock::now() + m_options.lease / 2;
    auto const count = m_batch.size();
    for (m_written = 0; m_written < count; ++m_written) {
        auto& item = m_batch[m_written];
        m_out.write({ item.data, {}, item.enqueued_ns },
            m_options.framing.json ? json_fields(item) : framing::JsonFields {});
        item.data = {}; // The ledger needs its id and lease only.
        m_ledger.add(std::move(item), m_out.position());
    }
    m_batch.clear();
    m_written = 0;
    m_stop.count(count);
    m_out.flush();
}

// The items of the batch that are not in the ledger yet.
std::span<Item const> Popper::unwritten() const
{
    return std::span(m_batch).subspan(m_written);
}

// Waits for the signals, the output (writable when asked, and its reader
// leaving) and, when asked, the waiter, for up to timeout_ms (or until
// --timeout, if sooner); true when the waiter woke.
bool Popper::wait_once(bool writable, bool woken, int timeout_ms)
{
    if (m_loop.contains(output()))
        m_loop.modify(output(), writable ? std::uint32_t { EPOLLOUT } : 0u);
    if (m_waiter)
        m_loop.modify(m_waiter->fd(), woken ? std::uint32_t { EPOLLIN } : 0u);
    m_output_events = m_waiter_events = 0;
    std::optional<Deadline> deadline;
    if (int const ms = sooner(timeout_ms, m_stop.timeout_ms()); ms >= 0)
        deadline = Clock::now() + std::chrono::milliseconds(ms);
    m_loop.run_once(deadline);
    if (m_output_events & (EPOLLERR | EPOLLHUP))
        m_reader_gone = true;
    if (m_waiter_events)
        m_waiter->rearm();
    return m_waiter_events != 0;
}

// Milliseconds until the leases are due for renewal, or -1 with none held.
int Popper::renew_ms() const
{
    if (m_ledger.empty())
        return -1;
    return std::min(ms_until(m_renew_at), fallback_ms);
}

// The queue is empty: waits for a wake-up, a due item or the fallback timer;
// false for a signal, a limit or the reader leaving. Meanwhile it settles
// and renews what was written and not taken yet.
bool Popper::wait_for_items()
{
    auto const now = Clock::now();
    auto until = now + std::chrono::milliseconds(fallback_ms);
    if (auto const due = m_queue.next_due())
        until = std::min(until, now + std::max(*due, Duration::zero()));
    for (int look = first_look_ms;; look = std::min(2 * look, last_look_ms)) {
        int wait = sooner(ms_until(until), m_stop.wait_ms());
        if (!m_ledger.empty())
            wait = sooner(std::min(wait, look), renew_ms());
        bool const rung = wait_once(false, true, wait);
        if (m_stop.done() || m_reader_gone)
            return false;
        settle();
        renew();
        if (rung || Clock::now() >= until)
            return true;
    }
}

// The pipe is full: waits until it takes more, renewing the leases and
// settling meanwhile. False to give up (a signal, --timeout, the reader gone).
bool Popper::wait_writable()
{
    wait_once(true, false, sooner(renew_ms(), fallback_ms));
    if (m_stop.signal() != 0 || m_stop.timed_out() || m_reader_gone)
        return false;
    settle();
    renew();
    return true;
}

// Everything is written: waits until the reader of a pipe has taken it all,
// or has gone, or a signal or --timeout says to stop.
void Popper::finish()
{
    m_out.flush();
    for (int look = first_look_ms;; look = std::min(2 * look, last_look_ms)) {
        settle();
        if (m_ledger.empty() || m_stop.signal() != 0 || m_stop.timed_out() || m_reader_gone)
            return;
        wait_once(false, false, sooner(look, renew_ms()));
        renew();
    }
}

// Acks what the reader has taken: into a pipe, the items whose bytes it has
// read; elsewhere, all that was written.
void Popper::settle()
{
    auto const written = m_out.written();
    auto const taken = m_pipe ? written - std::min(written, unread(output())) : written;
    auto const items = m_ledger.take(taken);
    if (items.empty())
        return;
    m_taken += items.size();
    if (auto const acked = m_queue.ack(items); acked < items.size())
        warn("{}: {} items went to another consumer too: pop's lease ran out while it was stopped",
            m_name, items.size() - acked);
}

void Popper::renew()
{
    if ((m_ledger.empty() && unwritten().empty()) || Clock::now() < m_renew_at)
        return;
    m_queue.extend(m_ledger.items(), m_options.lease);
    m_queue.extend(unwritten(), m_options.lease);
    m_renew_at = Clock::now() + m_options.lease / 2;
}

// Settles, then puts back at once what the reader has not taken.
void Popper::give_back() noexcept
{
    try {
        settle();
        auto const rest = m_ledger.take_all();
        if (!rest.empty())
            m_queue.release(rest, "", {}, Fate::Retry);
        if (!unwritten().empty()) // A write failed half-way through the batch.
            m_queue.release(unwritten(), "", {}, Fate::Retry);
        m_batch.clear();
        m_written = 0;
    } catch (Error const& e) {
        // The items come back when their lease runs out.
        warn("{}", e.what());
    }
}

}
