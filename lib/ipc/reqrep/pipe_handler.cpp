// A worker is one co-process (or, in stdio mode, our own stdout and stdin):
// framed requests are batched into its `out` and written once per round of
// the server's loop; its replies are cut by a Splitter and matched, in
// order, with the requests it holds. Requests that no worker may take yet
// wait per connection, and tick() hands them out as workers become free.

#include "ipc/reqrep/pipe_handler.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/io/socket.hpp"

#include <csignal>
#include <fcntl.h>

namespace ipc::reqrep {

namespace {

// Requests taken but not answered, over all workers, before the server
// stops reading more: a deep pipeline, bounded memory.
constexpr std::size_t max_in_flight = 64 * 1024;
constexpr std::size_t max_stdio_queue = 64;
constexpr int pipe_size = 1024 * 1024; // Fewer wake-ups per batch, where allowed.

}

struct PipeHandler::Worker {
    std::optional<io::Child> child; // With our ends of its stdin and stdout.
    int write_fd = -1, read_fd = -1, error_fd = -1;
    io::OutBuffer out;
    StderrRelay relay;
    framing::Splitter splitter;
    std::deque<Held> held; // Sent, in order, not yet answered; --pipe: of one connection.
    std::optional<Clock::time_point> deadline; // --pipe: when the next reply is due.
    bool alive = false, writing = false; // writing: EPOLLOUT asked.

    Worker(framing::Options const& framing, std::size_t max_size)
        : splitter(framing.mode, framing.delimiter, max_size)
    {
    }
};

PipeHandler::PipeHandler(HandlerOptions options)
    : m_options(std::move(options))
    , m_timeout(m_options.handler_timeout.value_or(default_pipe_timeout))
{
    require_separable(m_options.framing);
    if (!stdio())
        io::require_program(m_options.command.at(0));
    std::size_t const count = stdio() ? 1 : m_options.jobs;
    for (std::size_t i = 0; i < count; ++i)
        m_workers.push_back(std::make_unique<Worker>(m_options.framing, m_options.max_size));
}

PipeHandler::~PipeHandler() = default; // Each Child kills and reaps its group.

void PipeHandler::attach(io::Loop& loop, ReplyFn reply)
{
    m_loop = &loop;
    m_reply = std::move(reply);
    if (stdio()) {
        auto& worker = *m_workers.front();
        worker.write_fd = STDOUT_FILENO;
        worker.read_fd = STDIN_FILENO;
        worker.alive = true;
        m_poll_stdin = m_loop->try_add(STDIN_FILENO, EPOLLIN, [this, &worker](std::uint32_t) {
            if (worker.alive)
                read_in(worker);
        });
        return;
    }
    for (auto& worker : m_workers)
        start(*worker); // Now, so that a command that fails shows at start-up.
}

void PipeHandler::start(Worker& worker)
{
    worker.child.reset();
    worker.child.emplace(io::Spawn { .argv = m_options.command,
        .environment = { "IPC_NAME=" + m_options.name },
        .pipe_stdin = true,
        .capture_stdout = true,
        .capture_stderr = true });
    worker.write_fd = worker.child->stdin_fd();
    worker.read_fd = worker.child->stdout_fd();
    worker.error_fd = worker.child->stderr_fd();
    io::set_blocking(worker.error_fd, io::Blocking::No);
    for (int const fd : { worker.write_fd, worker.read_fd }) {
        ::fcntl(fd, F_SETPIPE_SZ, pipe_size); // Best effort: a limit may refuse it.
        io::set_blocking(fd, io::Blocking::No);
    }
    worker.splitter = framing::Splitter(
        m_options.framing.mode, m_options.framing.delimiter, m_options.max_size);
    worker.writing = false;
    worker.alive = true;
    m_loop->add(worker.read_fd, EPOLLIN, [this, &worker](std::uint32_t) { read_in(worker); });
    m_loop->add(worker.write_fd, 0, [this, &worker](std::uint32_t) { write_out(worker); });
    m_loop->add(worker.error_fd, EPOLLIN, [this, &worker](std::uint32_t) { read_errors(worker); });
}

StderrRelay::Emit PipeHandler::stderr_line(Worker const& worker) const
{
    auto const pid = worker.child->pid();
    if (worker.held.empty())
        return [this, pid](std::string_view line) {
            warn("{} co-process {}: {}", m_options.name, pid, line);
        };
    auto const number = worker.held.front().job.number;
    return [this, pid, number](std::string_view line) {
        warn("{} #{} co-process {}: {}", m_options.name, number, pid, line);
    };
}

// Reads what its stderr holds now (at most 1 MiB at a time: a copy that
// writes without end cannot hold up the loop), and passes it on.
void PipeHandler::read_errors(Worker& worker)
{
    char buffer[io_chunk_size];
    for (int i = 0; i < 16 && worker.error_fd >= 0; ++i) {
        auto const count = ::read(worker.error_fd, buffer, sizeof buffer);
        if (count < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (count <= 0) { // Its stderr ended; its stdout tells when it is gone.
            m_loop->remove(worker.error_fd);
            worker.error_fd = -1;
            return;
        }
        worker.relay.feed(
            std::string_view(buffer, static_cast<std::size_t>(count)), stderr_line(worker));
    }
}

bool PipeHandler::full() const
{
    return stdio() ? m_queued >= max_stdio_queue : m_in_flight >= max_in_flight;
}

// A worker that may take a request of connection now: one that holds
// nothing or (--pipe) only requests of that connection, the one holding
// fewest; nullptr when there is none.
PipeHandler::Worker* PipeHandler::choose(std::uint64_t connection)
{
    Worker* best = nullptr;
    for (auto& worker : m_workers) {
        bool const may = worker->held.empty()
            || (!stdio() && worker->held.front().job.connection == connection);
        if (may
            && (!best || worker->held.size() < best->held.size()
                || (worker->held.size() == best->held.size() && worker->alive && !best->alive)))
            best = worker.get();
    }
    return best;
}

void PipeHandler::submit(Job const& job, std::string_view data)
{
    ++m_in_flight;
    auto const problem = m_finished
        ? std::string_view("standard input has ended: nothing can answer")
        : unframable(m_options.framing, data);
    if (!problem.empty()) {
        --m_in_flight;
        m_reply(job, wire::ReplyStatus::Error, problem);
        return;
    }
    Held held { job, std::string(data) };
    if (m_waiting.empty()) // Nobody is waiting before it.
        if (auto* worker = choose(job.connection)) {
            send(*worker, std::move(held));
            return;
        }
    auto& queue = m_pending[job.connection];
    if (queue.empty())
        m_waiting.push_back(job.connection);
    queue.push_back(std::move(held));
    ++m_queued;
}

// Gives a worker that holds nothing the requests of the connection that has
// waited longest (stdio mode: one request, one at a time on a terminal).
void PipeHandler::assign(Worker& worker)
{
    if (!worker.held.empty() || m_waiting.empty())
        return;
    auto const connection = m_waiting.front();
    m_waiting.pop_front();
    auto node = m_pending.extract(connection);
    auto& queue = node.mapped();
    if (stdio()) {
        auto held = std::move(queue.front());
        queue.pop_front();
        --m_queued;
        if (!queue.empty()) {
            m_waiting.push_back(connection);
            m_pending.insert(std::move(node));
        }
        send(worker, std::move(held));
        return;
    }
    m_queued -= queue.size();
    for (auto& held : queue)
        send(worker, std::move(held));
}

void PipeHandler::send(Worker& worker, Held held)
{
    if (!worker.alive) {
        try {
            start(worker);
        } catch (Error const& e) {
            --m_in_flight;
            m_reply(held.job, wire::ReplyStatus::Error, e.what());
            return;
        }
    }
    append_framed(worker.out.back(), m_options.framing, held.data);
    if (worker.held.empty() && !stdio())
        worker.deadline = Clock::now() + m_timeout;
    if (stdio() && m_started)
        m_started(held.job); // Its -v line comes before it on stdout.
    worker.held.push_back(std::move(held));
}

void PipeHandler::write_out(Worker& worker)
{
    if (stdio()) {
        if (!sys::write_all(worker.write_fd, worker.out.pending()))
            died(worker, "standard output is closed");
        worker.out.clear();
        return;
    }
    if (worker.out.write_to(worker.write_fd) == io::OutBuffer::Status::Closed) {
        // It closed its stdin: its end shows on stdout, where died() runs.
        m_loop->remove(worker.write_fd);
        worker.writing = false;
        worker.out.clear();
        return;
    }
    bool const wanted = !worker.out.empty();
    if (wanted != worker.writing) {
        worker.writing = wanted;
        m_loop->modify(worker.write_fd, wanted ? std::uint32_t { EPOLLOUT } : 0u);
    }
}

void PipeHandler::read_in(Worker& worker)
{
    // Stdin a file: replies read ahead wait in the splitter until asked for;
    // with none there, a read finds the file's end before any request comes.
    if (stdio() && !m_poll_stdin
        && (!deliver(worker) || (worker.held.empty() && worker.splitter.pending() > 0)))
        return;
    if (!stdio())
        read_errors(worker); // What it wrote there before these replies goes with their requests.
    auto room = worker.splitter.prepare(io_chunk_size);
    auto const count = ::read(worker.read_fd, room.data(), room.size());
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (count <= 0)
        return died(worker, {}); // Its stdout ended: it is gone.
    worker.splitter.commit(static_cast<std::size_t>(count));
    deliver(worker);
}

// Matches the replies cut so far with the requests the worker holds. False
// when that stopped the worker (a reply too long).
bool PipeHandler::deliver(Worker& worker)
{
    bool const ahead = stdio() && !m_poll_stdin;
    std::string_view reply;
    while (!ahead || !worker.held.empty()) {
        auto const status = worker.splitter.next(reply);
        if (status == framing::Splitter::Status::NeedMore)
            break;
        if (status != framing::Splitter::Status::Ready) {
            died(worker,
                fmt::format("its reply is longer than --max-size ({} bytes)", m_options.max_size));
            return false;
        }
        if (worker.held.empty()) {
            if (!m_warned_unasked)
                warn("{}: the handler wrote a reply nobody asked for; dropped (each request "
                     "must get exactly one reply)",
                    m_options.name);
            m_warned_unasked = true;
            continue;
        }
        if (!stdio())
            worker.relay.end_request(stderr_line(worker));
        m_reply(worker.held.front().job, wire::ReplyStatus::Ok, reply);
        worker.held.pop_front();
        --m_in_flight;
        if (!stdio())
            worker.deadline
                = worker.held.empty() ? std::nullopt : std::optional(Clock::now() + m_timeout);
    }
    return true;
}

// Kills the co-process (its whole group) and drops our ends of its pipes:
// whatever it would still write reaches nobody. Returns its wait status.
int PipeHandler::stop(Worker& worker)
{
    m_loop->remove(worker.read_fd);
    m_loop->remove(worker.write_fd);
    worker.child->kill(SIGKILL);
    int const status = worker.child->wait();
    read_errors(worker); // What it wrote before it died: often why.
    worker.relay.finish(stderr_line(worker));
    if (worker.error_fd >= 0)
        m_loop->remove(worker.error_fd);
    worker.child.reset();
    worker.read_fd = worker.write_fd = worker.error_fd = -1;
    worker.out.clear();
    worker.deadline.reset();
    worker.alive = false; // Started again when a request comes.
    return status;
}

// The oldest request of a stopped co-process gets reason; the others go to
// a new copy.
void PipeHandler::fail_front(Worker& worker, std::string const& reason)
{
    auto held = std::move(worker.held);
    worker.held.clear();
    m_reply(held.front().job, wire::ReplyStatus::Error, reason);
    --m_in_flight;
    held.pop_front();
    for (auto& next : held)
        send(worker, std::move(next));
}

void PipeHandler::fail_waiting(std::string const& reason)
{
    for (auto const connection : m_waiting)
        for (auto const& held : m_pending[connection]) {
            m_reply(held.job, wire::ReplyStatus::Error, reason);
            --m_in_flight;
        }
    m_waiting.clear();
    m_pending.clear();
    m_queued = 0;
}

void PipeHandler::died(Worker& worker, std::string const& why)
{
    if (stdio()) {
        // Nothing can answer any more: fail what is left, and end.
        m_finished = true;
        worker.alive = false;
        m_loop->remove(STDIN_FILENO); // Not there when it is a file: no harm.
        m_poll_stdin = false;
        auto const reason
            = why.empty() ? std::string("standard input ended before the reply") : why;
        for (auto& held : worker.held)
            m_reply(held.job, wire::ReplyStatus::Error, reason);
        m_in_flight -= worker.held.size();
        worker.held.clear();
        fail_waiting(reason);
        return;
    }
    int const status = stop(worker);
    if (worker.held.empty())
        return;
    fail_front(worker,
        why.empty()
            ? fmt::format("the co-process ended ({}) without replying", io::describe_status(status))
            : fmt::format("the co-process was stopped: {}", why));
}

void PipeHandler::cancel(std::uint64_t connection)
{
    // Requests already written to a worker stay: its replies keep their order.
    auto node = m_pending.extract(connection);
    if (!node)
        return;
    m_queued -= node.mapped().size();
    m_in_flight -= node.mapped().size();
    std::erase(m_waiting, connection);
}

void PipeHandler::tick()
{
    auto const now = Clock::now();
    for (auto& worker : m_workers) {
        if (!worker->deadline || now < *worker->deadline)
            continue;
        // Silent too long: whether it is stuck or left a reply out, what it
        // writes from now on must reach nobody.
        stop(*worker);
        fail_front(*worker, fmt::format("timed out after {}", format_duration(m_timeout)));
    }
    bool const file = stdio() && !m_poll_stdin; // Reads never wait: done here, not on events.
    for (auto& worker : m_workers) {
        do { // A file answers at once: on to the next request, one at a time.
            if (!m_finished)
                assign(*worker);
            if (worker->alive && !worker->out.empty() && !worker->writing)
                write_out(*worker);
            if (file && worker->alive && (!worker->held.empty() || worker->splitter.pending() == 0))
                read_in(*worker);
        } while (file && worker->alive && worker->held.empty() && !m_waiting.empty());
    }
}

std::optional<Deadline> PipeHandler::deadline() const
{
    std::optional<Deadline> next;
    for (auto const& worker : m_workers)
        if (worker->deadline)
            next = next ? std::min(*next, *worker->deadline) : *worker->deadline;
    return next;
}

}
