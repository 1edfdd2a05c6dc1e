// Each request runs as an io::Job: its stdin an anonymous file, its stdout
// held only up to --max-size (the handler is killed as soon as it writes
// more) and its stderr only its tail. Its exit is seen through a pidfd;
// each of the three is watched by the server's loop.

#include "ipc/reqrep/exec_handler.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/io/loop.hpp"

#include <fmt/format.h>

#include <sys/wait.h>

namespace ipc::reqrep {

namespace {

bool delimited(framing::Mode mode)
{
    return mode == framing::Mode::Line || mode == framing::Mode::Nul
        || mode == framing::Mode::Delimiter;
}

// Out of descriptors, processes or memory: starting again later may work.
bool short_of_resources(int error)
{
    return error == EMFILE || error == ENFILE || error == EAGAIN || error == ENOMEM;
}

}

std::string describe_failure(int status, std::string_view errors)
{
    auto reason = io::describe_status(status);
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == '\r'))
        errors.remove_suffix(1);
    if (errors.empty())
        return reason;
    if (errors.size() > stderr_limit)
        return reason + ": ..." + std::string(errors.substr(errors.size() - stderr_limit));
    return reason + ": " + std::string(errors);
}

ExecHandler::ExecHandler(HandlerOptions options)
    : m_options(std::move(options))
    , m_slots(m_options.jobs)
{
    io::require_program(m_options.command.at(0));
}

ExecHandler::~ExecHandler() = default; // Each Job's Child kills and reaps its process group.

void ExecHandler::attach(io::Loop& loop, ReplyFn reply)
{
    m_loop = &loop;
    m_reply = std::move(reply);
}

bool ExecHandler::full() const
{
    // Enough waiting to keep every slot busy, not so many that a flood of
    // requests sits in memory instead of in the clients' sockets.
    return m_queue.size() >= std::max<std::size_t>(64, 4 * m_options.jobs);
}

void ExecHandler::submit(Job const& job, std::string_view data)
{
    m_queue.push_back({ job, std::string(data) });
}

// Starts a handler for waiting in slot. False when it must wait: out of
// descriptors (or processes) while other handlers run, whose end frees
// some. With none running, waiting would be for ever: the request fails.
bool ExecHandler::start(std::size_t slot, Waiting const& waiting)
{
    auto const uid
        = waiting.job.peer_uid < 0 ? std::string() : std::to_string(waiting.job.peer_uid);
    bool const lines = delimited(m_options.framing.mode);
    Running* running = nullptr;
    try {
        running = &m_slots[slot].emplace(Running { .job = waiting.job,
            .process = io::Job(io::JobSpec { .argv = m_options.command,
                .environment = { "IPC_NAME=" + m_options.name,
                    fmt::format("IPC_REQUEST_ID={}", waiting.job.id), "IPC_PEER_UID=" + uid },
                .input = waiting.data,
                // A line-reading handler sees a whole line.
                .terminator = lines ? std::optional(m_options.framing.delimiter) : std::nullopt,
                // Room for the delimiter that ends a reply of --max-size bytes.
                .capture_stdout = m_options.max_size + (lines ? 1 : 0),
                .timeout = m_options.handler_timeout,
                .on_stderr = [this, slot](std::string_view chunk) {
                    auto& self = *m_slots[slot];
                    self.relay.feed(chunk, stderr_line(self.job.number));
                } }) });
    } catch (SystemError const& e) {
        if (short_of_resources(e.error_number()) && m_running > 0)
            return false;
        m_reply(waiting.job, wire::ReplyStatus::Error,
            fmt::format("cannot start the handler: {}", e.what()));
        return true;
    } catch (Error const& e) { // It could be run at start-up; now it cannot.
        m_reply(waiting.job, wire::ReplyStatus::Error, e.what());
        return true;
    }
    auto& process = running->process;
    m_loop->add(process.exit_fd(), EPOLLIN, [this, slot](std::uint32_t) {
        if (auto const status = m_slots[slot]->process.try_wait())
            finish(slot, *status);
    });
    m_loop->add(process.stdout_fd(), EPOLLIN, [this, &process](std::uint32_t) {
        if (process.stdout_open() && !process.read_stdout())
            m_loop->remove(process.stdout_fd());
    });
    m_loop->add(process.stderr_fd(), EPOLLIN, [this, &process](std::uint32_t) {
        if (process.stderr_open() && !process.read_stderr())
            m_loop->remove(process.stderr_fd());
    });
    ++m_running;
    return true;
}

StderrRelay::Emit ExecHandler::stderr_line(std::uint64_t number) const
{
    return
        [this, number](std::string_view line) { warn("{} #{}: {}", m_options.name, number, line); };
}

void ExecHandler::finish(std::size_t slot, int status)
{
    auto& running = *m_slots[slot];
    auto& process = running.process;
    running.relay.finish(stderr_line(running.job.number)); // Before -v's line of its reply.
    for (int const fd : { process.exit_fd(), process.stdout_fd(), process.stderr_fd() })
        m_loop->remove(fd);
    auto& reply = process.output();
    auto stopped = process.stopped();
    if (stopped == io::Job::Stopped::No && delimited(m_options.framing.mode) && !reply.empty()
        && reply.back() == m_options.framing.delimiter)
        reply.pop_back(); // "1024\n" is the reply "1024".
    if (stopped == io::Job::Stopped::No && reply.size() > m_options.max_size)
        stopped = io::Job::Stopped::TooLong;
    if (stopped == io::Job::Stopped::TimedOut)
        m_reply(running.job, wire::ReplyStatus::Error,
            fmt::format("timed out after {}", format_duration(*m_options.handler_timeout)));
    else if (stopped == io::Job::Stopped::TooLong)
        m_reply(running.job, wire::ReplyStatus::Error,
            fmt::format("the handler's reply is longer than --max-size ({} bytes); it was killed",
                m_options.max_size));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        m_reply(running.job, wire::ReplyStatus::Ok, reply);
    else
        m_reply(running.job, wire::ReplyStatus::Error, describe_failure(status, process.errors()));
    m_slots[slot].reset();
    --m_running;
    m_starved = false;
}

void ExecHandler::tick()
{
    auto const now = io::Job::Clock::now();
    for (auto& running : m_slots)
        if (running)
            running->process.check_deadline(now);
    std::size_t slot = 0;
    while (!m_queue.empty() && !m_starved) {
        while (slot < m_slots.size() && m_slots[slot])
            ++slot;
        if (slot == m_slots.size())
            break;
        if (!start(slot, m_queue.front())) { // The slot stays free when it failed the request.
            m_starved = true;
            break;
        }
        m_queue.pop_front();
    }
}

void ExecHandler::cancel(std::uint64_t connection)
{
    std::erase_if(m_queue,
        [connection](auto const& waiting) { return waiting.job.connection == connection; });
}

std::optional<Deadline> ExecHandler::deadline() const
{
    std::optional<Deadline> next;
    for (auto const& running : m_slots)
        if (auto const deadline = running ? running->process.deadline() : std::nullopt)
            next = next ? std::min(*next, *deadline) : *deadline;
    return next;
}

}
