// The worker's loop: take items while handler slots are free, then wait on
// the handlers' exits and stderr, the queue's waiter, signals and the timers
// (lease renewals, handler timeouts, the fallback for delayed items).

#include "ipc/queue/worker.hpp"

#include "ipc/core/log.hpp"
#include "ipc/io/job.hpp"
#include "ipc/io/notify.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/lease.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <sys/wait.h>

namespace ipc::queue {

namespace {

using Clock = io::Job::Clock;

constexpr int fallback_ms = 5000;

std::string last_line(std::string_view text)
{
    while (text.ends_with('\n'))
        text.remove_suffix(1);
    return std::string(text.substr(text.rfind('\n') + 1));
}

}

struct Worker::Running {
    Item item;
    io::Job job;
    Clock::time_point renew_at; // When to extend the lease again.
};

Worker::Worker(Queue& queue, std::string name, WorkOptions options)
    : m_queue(queue)
    , m_name(std::move(name))
    , m_options(std::move(options))
    , m_waiter(m_queue.waiter()) // Before the first look, so no push is missed.
{
    assert(!m_options.command.empty());
    m_loop.add(m_waiter->fd(), EPOLLIN, [this](std::uint32_t) { m_waiter->rearm(); });
}

Worker::~Worker() = default;

bool Worker::taking() const
{
    return m_stop.signal() == 0 && !m_drained && (!m_options.count || m_taken < *m_options.count);
}

void Worker::start(Item const& item)
{
    m_running.push_back(std::make_unique<Running>(Running { .item = item,
        .job = io::Job(io::JobSpec { .argv = m_options.command,
            .environment = { "IPC_QUEUE=" + m_name, fmt::format("IPC_ITEM_ID={}", item.id),
                fmt::format("IPC_ATTEMPT={}", item.attempts) },
            .input = item.data,
            .terminator = m_options.terminator,
            .stdout_fd = m_options.output_fd,
            .timeout = m_options.handler_timeout }),
        .renew_at = Clock::now() + m_options.lease / 2 }));
    auto& job = m_running.back()->job;
    m_loop.add(job.exit_fd(), EPOLLIN, [](std::uint32_t) {}); // wait() looks at every job.
    m_loop.add(job.stderr_fd(), EPOLLIN, [this, &job](std::uint32_t) {
        if (!job.read_stderr())
            m_loop.remove(job.stderr_fd()); // Ended: it would stay readable.
    });
}

void Worker::take()
{
    auto want = m_options.jobs - m_running.size();
    if (m_options.count)
        want = std::min(want, *m_options.count - m_taken);
    auto items = m_queue.lease(want, m_options.lease);
    for (std::size_t i = 0; i < items.size(); ++i) {
        ++m_taken;
        try {
            start(items[i]);
        } catch (Error const&) {
            // CMD cannot run (and never will): give back the items not
            // started rather than leave them leased until the lease ends.
            m_queue.release(std::span(items).subspan(i), "", {}, Fate::Retry);
            throw;
        }
    }
    if (items.empty() && m_options.drain && m_running.empty()) {
        auto const stats = m_queue.stats(); // Done when only dead items are left.
        m_drained = stats.ready + stats.delayed + stats.leased == 0;
    }
}

void Worker::finish(Running& running, int status)
{
    auto const& item = running.item;
    auto const& job = running.job;
    bool const timed_out = job.stopped() == io::Job::Stopped::TimedOut;
    // A worker stopped past its lease (Ctrl-Z) finds the item gone to
    // another consumer, whose outcome stands.
    auto const stale = [&](std::string_view outcome) {
        warn("{}: item {}, attempt {}: {}; dropped: the lease ran out and the item went to "
             "another consumer",
            m_name, item.id, item.attempts, outcome);
    };
    if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (m_queue.ack(std::span(&item, 1)) == 0)
            stale("done");
        return;
    }
    auto error = timed_out
        ? fmt::format("timed out after {}", format_duration(*m_options.handler_timeout))
        : io::describe_status(status);
    auto const errors = job.errors();
    if (auto const line = last_line(errors); !line.empty())
        error += ": " + printable(line);
    bool const dead = static_cast<std::uint64_t>(item.attempts) >= m_options.max_attempts;
    // The whole tail of stderr is kept when its last line alone may not explain.
    auto const stored = std::count(errors.begin(), errors.end(), '\n') > 1
        ? fmt::format("{}\n{}", error, errors)
        : error;
    if (m_queue.release(std::span(&item, 1), stored, backoff(m_options.backoff, item.attempts),
            dead ? Fate::Dead : Fate::Retry)
        == 0) {
        stale(error);
        return;
    }
    warn("{}: item {}, attempt {}: {}{}", m_name, item.id, item.attempts, error,
        dead ? "; moved to the dead list" : "");
    m_any_dead = m_any_dead || dead;
}

void Worker::wait()
{
    // Full, a wake-up would only spin us.
    m_loop.modify(m_waiter->fd(), want_items() ? std::uint32_t { EPOLLIN } : 0u);
    auto const now = Clock::now();
    auto wake = now + std::chrono::milliseconds(fallback_ms);
    if (want_items())
        if (auto const due = m_queue.next_due())
            wake = std::min(wake, now + std::chrono::ceil<std::chrono::milliseconds>(*due));
    for (auto const& running : m_running) {
        wake = std::min(wake, running->renew_at);
        if (auto const deadline = running->job.deadline())
            wake = std::min(wake, *deadline);
    }
    m_loop.run_once(wake);
    for (auto const& running : m_running) {
        if (Clock::now() >= running->renew_at) {
            // A handler that outlives half its lease keeps its item.
            m_queue.extend(std::span(&running->item, 1), m_options.lease);
            running->renew_at = Clock::now() + m_options.lease / 2;
        }
        running->job.check_deadline(Clock::now());
    }
    for (auto it = m_running.begin(); it != m_running.end();) {
        auto& job = (*it)->job;
        if (auto const status = job.try_wait()) {
            m_loop.remove(job.exit_fd());
            m_loop.remove(job.stderr_fd());
            finish(**it, *status);
            it = m_running.erase(it);
        } else {
            ++it;
        }
    }
}

Exit Worker::run()
{
    io::notify("READY=1"); // Taking items from now on (a systemd unit of Type=notify).
    while (taking() || !m_running.empty()) {
        if (want_items())
            take();
        if (!taking() && m_running.empty())
            break;
        wait();
    }
    return m_any_dead ? Exit::Failed : Exit::Ok;
}

}
