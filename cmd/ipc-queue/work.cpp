// ipc-queue work: at-least-once processing. Each item is leased, handed to
// CMD on its stdin, and acked when CMD exits 0; a failure is retried with
// back-off, and after --max-attempts the item moves to the dead list.

#include "queue.hpp"

#include "ipc/cli/options.hpp"
#include "ipc/core/log.hpp"
#include "ipc/io/child.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/lease.hpp"
#include "ipc/queue/sqlite_store.hpp"
#include "ipc/queue/wakeup.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <memory>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

namespace queue_cmd {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t default_attempts = 5;
constexpr ipc::Duration default_lease = 5min;
constexpr ipc::Duration default_backoff = 1s;
constexpr std::size_t stderr_tail = 4096; // Bytes of a handler's stderr kept for its error.
constexpr int fallback_ms = 5000;

struct WorkOptions {
    std::string name;
    std::vector<std::string> command;
    std::optional<std::uint64_t> jobs, max_attempts, count;
    std::optional<ipc::Duration> lease, backoff, handler_timeout;
    bool drain = false;
};

struct Running {
    ipc::queue::Item item;
    std::optional<ipc::io::Child> child;
    std::string stderr_text;
    std::optional<Clock::time_point> deadline;
    Clock::time_point renew_at; // When to extend the lease again.
    bool timed_out = false;
};

// The item's data in an anonymous file, for the handler's stdin: no pipe to
// feed, so a handler that never reads cannot block us.
ipc::io::Fd input_of(std::string const& data)
{
    ipc::io::Fd fd { ipc::sys::check(
        ::memfd_create("ipc-queue-item", MFD_CLOEXEC), "memfd_create") };
    if (!ipc::io::write_all(fd.get(), data))
        ipc::sys::fail("write", "memfd", errno);
    ipc::sys::check(::lseek(fd.get(), 0, SEEK_SET), "lseek");
    return fd;
}

void read_stderr(Running& job)
{
    char buffer[4096];
    ssize_t got;
    while ((got = ::read(job.child->stderr_fd(), buffer, sizeof(buffer))) > 0) {
        job.stderr_text.append(buffer, static_cast<std::size_t>(got));
        if (job.stderr_text.size() > 2 * stderr_tail)
            job.stderr_text.erase(0, job.stderr_text.size() - stderr_tail);
    }
}

std::string last_line(std::string_view text)
{
    while (text.ends_with('\n'))
        text.remove_suffix(1);
    return std::string(text.substr(text.rfind('\n') + 1));
}

class Worker {
public:
    Worker(WorkOptions const& options, std::string name)
        : m_options(options)
        , m_name(std::move(name))
        , m_queue(ipc::queue::open_sqlite(m_name))
        , m_bell(m_name)
    {
    }

    ipc::Exit run();

private:
    bool taking() const
    {
        return m_stop.signal() == 0 && !m_drained
            && (!m_options.count || m_taken < *m_options.count);
    }
    void take();
    void start(ipc::queue::Item const& item);
    void finish(Running& job, int status);
    void wait();

    WorkOptions const& m_options;
    std::string m_name;
    std::unique_ptr<ipc::queue::Queue> m_queue;
    ipc::queue::Doorbell m_bell;
    ipc::Stop m_stop { {} }; // SIGINT and SIGTERM: stop taking, finish what runs.
    std::vector<std::unique_ptr<Running>> m_running;
    std::uint64_t m_taken = 0;
    bool m_drained = false;
    bool m_any_dead = false;
};

void Worker::start(ipc::queue::Item const& item)
{
    auto job = std::make_unique<Running>();
    auto const input = input_of(item.data);
    job->child.emplace(ipc::io::Spawn { .argv = m_options.command,
        .environment = { "IPC_QUEUE=" + m_name, fmt::format("IPC_ITEM_ID={}", item.id),
            fmt::format("IPC_ATTEMPT={}", item.attempts) },
        .stdin_fd = input.get(),
        .stdout_fd = 1,
        .capture_stderr = true });
    ipc::io::set_blocking(job->child->stderr_fd(), ipc::io::Blocking::No);
    job->renew_at = Clock::now() + m_options.lease.value_or(default_lease) / 2;
    if (m_options.handler_timeout)
        job->deadline = Clock::now() + *m_options.handler_timeout;
    job->item = item;
    m_running.push_back(std::move(job));
}

void Worker::take()
{
    auto want = m_options.jobs.value_or(1) - m_running.size();
    if (m_options.count)
        want = std::min(want, *m_options.count - m_taken);
    auto items = m_queue->lease(want, m_options.lease.value_or(default_lease));
    for (std::size_t i = 0; i < items.size(); ++i) {
        ++m_taken;
        try {
            start(items[i]);
        } catch (ipc::Error const&) {
            // CMD cannot run (and never will): give back the items not
            // started rather than leave them leased until the lease ends.
            for (; i < items.size(); ++i)
                m_queue->release(items[i].id, "", {}, false);
            throw;
        }
    }
    if (items.empty() && m_options.drain && m_running.empty()) {
        auto const stats = m_queue->stats(); // Done when only dead items are left.
        m_drained = stats.ready + stats.delayed + stats.leased == 0;
    }
}

void Worker::finish(Running& job, int status)
{
    read_stderr(job);
    auto const& item = job.item;
    if (!job.timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        m_queue->ack(std::span(&item, 1));
        return;
    }
    auto error = job.timed_out
        ? fmt::format("timed out after {}", ipc::format_duration(*m_options.handler_timeout))
        : ipc::io::describe_status(status);
    if (auto const line = last_line(job.stderr_text); !line.empty())
        error += ": " + ipc::printable(line);
    bool const dead = static_cast<std::uint64_t>(item.attempts)
        >= m_options.max_attempts.value_or(default_attempts);
    // The whole tail of stderr is kept when its last line alone may not explain.
    auto const stored = std::count(job.stderr_text.begin(), job.stderr_text.end(), '\n') > 1
        ? error + "\n" + job.stderr_text
        : error;
    m_queue->release(item.id, stored,
        ipc::queue::backoff(m_options.backoff.value_or(default_backoff), item.attempts), dead);
    ipc::warn("{}: item {}, attempt {}: {}{}", m_name, item.id, item.attempts, error,
        dead ? "; moved to the dead list" : "");
    m_any_dead = m_any_dead || dead;
}

void Worker::wait()
{
    std::vector<pollfd> fds { { m_stop.signal_fd(), POLLIN, 0 }, { m_bell.fd(), POLLIN, 0 } };
    for (auto const& job : m_running) {
        fds.push_back({ job->child->exit_fd(), POLLIN, 0 });
        fds.push_back({ job->child->stderr_fd(), POLLIN, 0 });
    }
    int timeout = -1;
    if (taking() && m_running.size() < m_options.jobs.value_or(1)) {
        timeout = fallback_ms;
        if (auto const due = m_queue->next_due_ns())
            timeout = static_cast<int>(std::clamp<std::int64_t>(
                (*due - ipc::queue::now_ns()) / 1'000'000 + 1, 0, fallback_ms));
    } else {
        fds[1].fd = -1; // Full: a ring would only spin us.
    }
    auto const now = Clock::now();
    auto const until = [&](Clock::time_point when) {
        auto const ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
        int const left = static_cast<int>(std::clamp<long long>(ms, 0, fallback_ms));
        timeout = timeout < 0 ? left : std::min(timeout, left);
    };
    for (auto const& job : m_running) {
        until(job->renew_at);
        if (job->deadline && !job->timed_out)
            until(*job->deadline);
    }
    ::poll(fds.data(), fds.size(), timeout);
    if (fds[0].revents)
        m_stop.check_signal();
    if (fds[1].revents)
        m_bell.drain();
    for (std::size_t i = 0; i < m_running.size();) {
        auto& job = *m_running[i];
        if (fds[2 + 2 * i + 1].revents)
            read_stderr(job);
        if (Clock::now() >= job.renew_at) {
            // A handler that outlives half its lease keeps its item.
            auto const lease = m_options.lease.value_or(default_lease);
            m_queue->extend(std::span(&job.item.id, 1), lease);
            job.renew_at = Clock::now() + lease / 2;
        }
        if (job.deadline && !job.timed_out && Clock::now() >= *job.deadline) {
            job.timed_out = true;
            job.child->kill(SIGKILL);
        }
        ++i;
    }
    for (auto it = m_running.begin(); it != m_running.end();) {
        if (auto const status = (*it)->child->try_wait()) {
            finish(**it, *status);
            it = m_running.erase(it);
        } else {
            ++it;
        }
    }
}

ipc::Exit Worker::run()
{
    while (taking() || !m_running.empty()) {
        if (taking() && m_running.size() < m_options.jobs.value_or(1))
            take();
        if (!taking() && m_running.empty())
            break;
        wait();
    }
    return m_any_dead ? ipc::Exit::Failed : ipc::Exit::Ok;
}

ipc::Exit work(WorkOptions const& options)
{
    if (options.command.empty())
        throw ipc::Error(ipc::Exit::Usage, "work: CMD is required", "try 'ipc-queue work --help'");
    Worker worker(options, ipc::parse_name(options.name, "queue"));
    return worker.run();
}

}

void add_work(CLI::App& app, Action& action)
{
    auto* command
        = app.add_subcommand("work", "run CMD once per item of queue NAME, item on stdin");
    auto options = std::make_shared<WorkOptions>();
    ipc::cli::add_count(*command, "-j,--jobs", options->jobs, "run up to N handlers at once (1)");
    ipc::cli::add_count(*command, "--max-attempts", options->max_attempts,
        fmt::format("move an item to the dead list after N tries ({})", default_attempts));
    ipc::cli::add_duration(*command, "--lease", options->lease, "lease each item for D (5m)");
    ipc::cli::add_duration(
        *command, "--backoff", options->backoff, "wait D before the first retry, doubling (1s)");
    ipc::cli::add_duration(
        *command, "--handler-timeout", options->handler_timeout, "kill a handler after D");
    ipc::cli::add_count(*command, "-n,--count", options->count, "stop after N items");
    command->add_flag("--drain", options->drain, "stop once no live item is left");
    command->add_option("NAME", options->name, "queue name")->required();
    command->add_option("CMD", options->command, "the handler and its arguments, after --");
    command->callback([&action, options] { action = [options] { return work(*options); }; });
}

}
