// A worker is one co-process (or, in stdio mode, our own stdout and stdin):
// framed requests are batched into its `out` and written once per round of
// the server's loop; its replies are cut by a Splitter and matched, in
// order, with the requests it holds.

#include "ipc/reqrep/pipe_handler.hpp"

#include "ipc/core/log.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/reqrep/exec_handler.hpp"

#include <array>
#include <csignal>
#include <cstring>
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
    std::size_t index = 0;
    std::optional<io::Child> child;
    io::Fd to, from; // Our ends of the co-process's stdin and stdout.
    int write_fd = -1, read_fd = -1;
    std::string out;
    std::size_t out_done = 0;
    framing::Splitter splitter;
    std::deque<Held> held; // Sent, in order, not yet answered.
    bool alive = false;
    bool writing = false; // EPOLLOUT asked.

    Worker(std::size_t i, framing::Options const& framing, std::size_t max_size)
        : index(i)
        , splitter(framing.mode, framing.delimiter, max_size)
    {
    }
};

PipeHandler::PipeHandler(HandlerOptions options)
    : m_options(std::move(options))
{
    if (m_options.framing.mode == framing::Mode::Whole)
        throw Error(Exit::Usage,
            "--whole cannot separate requests to a co-process or on stdout",
            "use lines, -0, --delimiter or --len");
    if (!stdio())
        require_command(m_options.command.at(0));
    std::size_t const count = stdio() ? 1 : m_options.jobs;
    for (std::size_t i = 0; i < count; ++i)
        m_workers.push_back(std::make_unique<Worker>(i, m_options.framing, m_options.max_size));
}

PipeHandler::~PipeHandler() = default; // Each Child kills and reaps its group.

void PipeHandler::attach(io::Poller& poller, std::uint64_t first_tag, ReplyFn reply)
{
    m_poller = &poller;
    m_first_tag = first_tag;
    m_reply = std::move(reply);
    if (stdio()) {
        auto& worker = *m_workers.front();
        worker.write_fd = STDOUT_FILENO;
        worker.read_fd = STDIN_FILENO;
        worker.alive = true;
        m_poll_stdin = m_poller->try_add(STDIN_FILENO, EPOLLIN, m_first_tag);
        return;
    }
    for (auto& worker : m_workers)
        start(*worker); // Now, so that a command that fails shows at start-up.
}

void PipeHandler::start(Worker& worker)
{
    int in[2], out[2];
    sys::check(::pipe2(in, O_CLOEXEC), "pipe2");
    io::Fd in_read { in[0] }, in_write { in[1] };
    sys::check(::pipe2(out, O_CLOEXEC), "pipe2");
    io::Fd out_read { out[0] }, out_write { out[1] };
    ::fcntl(in_write.get(), F_SETPIPE_SZ, pipe_size); // Best effort: a limit may refuse it.
    ::fcntl(out_read.get(), F_SETPIPE_SZ, pipe_size);
    worker.child.reset();
    worker.child.emplace(io::Spawn { .argv = m_options.command,
        .environment = { "IPC_NAME=" + m_options.name },
        .stdin_fd = in_read.get(),
        .stdout_fd = out_write.get() });
    worker.to = std::move(in_write);
    worker.from = std::move(out_read);
    io::set_blocking(worker.to.get(), io::Blocking::No);
    io::set_blocking(worker.from.get(), io::Blocking::No);
    worker.write_fd = worker.to.get();
    worker.read_fd = worker.from.get();
    worker.out.clear();
    worker.out_done = 0;
    worker.splitter = framing::Splitter(m_options.framing.mode, m_options.framing.delimiter, m_options.max_size);
    worker.writing = false;
    worker.alive = true;
    auto const tag = m_first_tag + 2 * worker.index;
    m_poller->add(worker.read_fd, EPOLLIN, tag);
    m_poller->add(worker.write_fd, 0, tag + 1);
}

bool PipeHandler::full() const
{
    return stdio() ? m_queue.size() >= max_stdio_queue : m_in_flight >= max_in_flight;
}

PipeHandler::Worker& PipeHandler::choose()
{
    Worker* best = m_workers.front().get();
    for (auto& worker : m_workers)
        if (worker->held.size() < best->held.size()
            || (worker->held.size() == best->held.size() && worker->alive && !best->alive))
            best = worker.get();
    return *best;
}

void PipeHandler::submit(Job const& job, std::string_view data)
{
    ++m_in_flight;
    auto const mode = m_options.framing.mode;
    if (mode != framing::Mode::Length && data.find(m_options.framing.delimiter) != data.npos) {
        --m_in_flight;
        m_reply(job, wire::ReplyStatus::Error,
            "the request holds the delimiter, which would split it in two (use --len on "
            "both sides, or another delimiter)");
        return;
    }
    Held held { job, std::string(data) };
    if (stdio() && !m_workers.front()->held.empty()) {
        m_queue.push_back(std::move(held)); // One at a time on a terminal.
        return;
    }
    send(choose(), std::move(held));
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
    if (m_options.framing.mode == framing::Mode::Length) {
        auto const size = static_cast<std::uint32_t>(held.data.size());
        std::array<char, 4> const header { static_cast<char>(size >> 24),
            static_cast<char>(size >> 16), static_cast<char>(size >> 8), static_cast<char>(size) };
        worker.out.append(header.data(), header.size());
        worker.out += held.data;
    } else {
        worker.out += held.data;
        worker.out += m_options.framing.delimiter;
    }
    worker.held.push_back(std::move(held));
}

void PipeHandler::write_out(Worker& worker)
{
    if (stdio()) {
        if (!io::write_all(worker.write_fd, std::string_view(worker.out).substr(worker.out_done)))
            died(worker, "standard output is closed");
        worker.out.clear();
        worker.out_done = 0;
        return;
    }
    while (worker.out_done < worker.out.size()) {
        auto const written = ::write(
            worker.write_fd, worker.out.data() + worker.out_done, worker.out.size() - worker.out_done);
        if (written >= 0) {
            worker.out_done += static_cast<std::size_t>(written);
        } else if (errno == EAGAIN) {
            break;
        } else if (errno != EINTR) {
            // It closed its stdin: its end shows on stdout, where died() runs.
            m_poller->remove(worker.write_fd);
            worker.writing = false;
            worker.out.clear();
            worker.out_done = 0;
            return;
        }
    }
    if (worker.out_done == worker.out.size()) {
        worker.out.clear();
        worker.out_done = 0;
    }
    bool const wanted = worker.out_done < worker.out.size();
    if (wanted != worker.writing) {
        worker.writing = wanted;
        m_poller->modify(worker.write_fd, wanted ? std::uint32_t { EPOLLOUT } : 0u, m_first_tag + 2 * worker.index + 1);
    }
}

void PipeHandler::read_in(Worker& worker)
{
    auto room = worker.splitter.prepare(io_chunk_size);
    auto const count = ::read(worker.read_fd, room.data(), room.size());
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (count <= 0) {
        died(worker, {});
        return;
    }
    worker.splitter.commit(static_cast<std::size_t>(count));
    std::string_view reply;
    while (true) {
        auto const status = worker.splitter.next(reply);
        if (status == framing::Splitter::Status::NeedMore)
            break;
        if (status != framing::Splitter::Status::Ready) {
            died(worker,
                fmt::format("its reply is longer than --max-size ({} bytes)", m_options.max_size));
            return;
        }
        if (worker.held.empty()) {
            if (!m_warned_unasked)
                warn("{}: the handler wrote a reply nobody asked for; dropped (each request "
                     "must get exactly one reply)",
                    m_options.name);
            m_warned_unasked = true;
            continue;
        }
        m_reply(worker.held.front().job, wire::ReplyStatus::Ok, reply);
        worker.held.pop_front();
        --m_in_flight;
    }
    if (stdio() && worker.held.empty() && !m_queue.empty()) {
        auto next = std::move(m_queue.front());
        m_queue.pop_front();
        send(worker, std::move(next));
    }
}

void PipeHandler::died(Worker& worker, std::string const& why)
{
    if (stdio()) {
        // Nothing can answer any more: fail what is left, and end.
        m_finished = true;
        worker.alive = false;
        if (m_poll_stdin)
            m_poller->remove(STDIN_FILENO);
        m_poll_stdin = false;
        auto const reason = why.empty() ? std::string("standard input ended before the reply") : why;
        for (auto& held : worker.held)
            m_reply(held.job, wire::ReplyStatus::Error, reason);
        for (auto& held : m_queue)
            m_reply(held.job, wire::ReplyStatus::Error, reason);
        m_in_flight = 0;
        worker.held.clear();
        m_queue.clear();
        return;
    }
    m_poller->remove(worker.read_fd);
    m_poller->remove(worker.write_fd);
    worker.child->kill(SIGKILL);
    int const status = worker.child->wait();
    worker.child.reset();
    worker.to.reset();
    worker.from.reset();
    worker.alive = false;
    auto held = std::move(worker.held);
    worker.held.clear();
    if (held.empty())
        return; // Started again when a request comes.
    auto const reason = why.empty()
        ? fmt::format("the co-process ended ({}) without replying", io::describe_status(status))
        : fmt::format("the co-process was stopped: {}", why);
    m_reply(held.front().job, wire::ReplyStatus::Error, reason);
    --m_in_flight;
    held.pop_front();
    for (auto& next : held) // Never answered: the new co-process gets them.
        send(worker, std::move(next));
}

void PipeHandler::on_event(std::uint64_t tag, std::uint32_t)
{
    auto const index = (tag - m_first_tag) / 2;
    if (index >= m_workers.size())
        return;
    auto& worker = *m_workers[index];
    if (!worker.alive)
        return;
    // An event may be stale: the worker may have been restarted on new fds
    // earlier in the same round. Reading and writing find out for themselves.
    if ((tag - m_first_tag) % 2 == 0)
        read_in(worker);
    else
        write_out(worker);
}

void PipeHandler::tick()
{
    for (auto& worker : m_workers) {
        if (worker->alive && worker->out_done < worker->out.size() && !worker->writing)
            write_out(*worker);
        if (stdio() && !m_poll_stdin && worker->alive && !worker->held.empty())
            read_in(*worker); // A file: reads never wait.
    }
}

}
