// Each handler's stdin is an anonymous file (memfd): nothing to feed while
// it runs, so a handler that never reads cannot block the server. Its
// stdout and stderr are pipes read as they fill, so a reply is held only up
// to --max-size (the handler is killed as soon as it writes more) and
// stderr only its tail. Its exit is seen through a pidfd; each of the three
// has its tag in the server's poller.

#include "ipc/reqrep/exec_handler.hpp"

#include "ipc/core/limits.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/sys.hpp"

#include <csignal>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ipc::reqrep {

namespace {

io::Fd anonymous_file(std::string_view data)
{
    io::Fd fd { sys::check(::memfd_create("ipc-serve-request", MFD_CLOEXEC), "memfd_create") };
    if (!io::write_all(fd.get(), data))
        sys::fail("write", "memfd", errno);
    sys::check(::lseek(fd.get(), 0, SEEK_SET), "lseek");
    return fd;
}

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

enum class Keep { Head, Tail };

// Appends what the non-blocking fd holds now to text; false once it has
// ended (or failed). Keep::Head stops reading once text is longer than
// limit; Keep::Tail keeps reading and drops the oldest bytes instead.
bool read_available(int fd, std::string& text, std::size_t limit, Keep keep, char* buffer)
{
    while (keep == Keep::Tail || text.size() <= limit) {
        auto const count = ::read(fd, buffer, io_chunk_size);
        if (count > 0) {
            text.append(buffer, static_cast<std::size_t>(count));
            if (keep == Keep::Tail && text.size() > limit)
                text.erase(0, text.size() - limit);
        } else if (count == 0 || errno != EINTR) {
            return count < 0 && errno == EAGAIN;
        }
    }
    return true;
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

void require_command(std::string const& command)
{
    int error = 0;
    if (!io::find_program(command, error))
        throw Error(Exit::Usage, fmt::format("{}: command not found or not executable", command),
            "give the handler's path, or fix PATH");
}

ExecHandler::ExecHandler(HandlerOptions options)
    : m_options(std::move(options))
    , m_slots(m_options.jobs)
    , m_buffer(new char[io_chunk_size])
{
    require_command(m_options.command.at(0));
}

ExecHandler::~ExecHandler() = default; // Each Child kills and reaps its process group.

void ExecHandler::attach(io::Poller& poller, std::uint64_t first_tag, ReplyFn reply)
{
    m_poller = &poller;
    m_first_tag = first_tag;
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
    std::string input(data);
    if (delimited(m_options.framing.mode))
        input += m_options.framing.delimiter; // A line-reading handler sees a whole line.
    m_queue.push_back({ job, std::move(input) });
}

// Starts a handler for waiting in slot. False when it must wait: out of
// descriptors (or processes) while other handlers run, whose end frees
// some. With none running, waiting would be for ever: the request fails.
bool ExecHandler::start(std::size_t slot, Waiting const& waiting)
{
    auto const uid
        = waiting.job.peer_uid < 0 ? std::string() : std::to_string(waiting.job.peer_uid);
    std::optional<io::Child> child;
    try {
        auto const input = anonymous_file(waiting.data);
        child.emplace(io::Spawn { .argv = m_options.command,
            .environment = { "IPC_NAME=" + m_options.name,
                fmt::format("IPC_REQUEST_ID={}", waiting.job.id), "IPC_PEER_UID=" + uid },
            .stdin_fd = input.get(),
            .capture_stdout = true,
            .capture_stderr = true });
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
    auto& running
        = m_slots[slot].emplace(Running { .job = waiting.job, .child = std::move(child) });
    io::set_blocking(running.child->stdout_fd(), io::Blocking::No);
    io::set_blocking(running.child->stderr_fd(), io::Blocking::No);
    if (m_options.handler_timeout)
        running.deadline = Clock::now() + *m_options.handler_timeout;
    m_poller->add(running.child->exit_fd(), EPOLLIN, tag(slot));
    m_poller->add(running.child->stdout_fd(), EPOLLIN, tag(slot) + 1);
    m_poller->add(running.child->stderr_fd(), EPOLLIN, tag(slot) + 2);
    ++m_running;
    return true;
}

void ExecHandler::read_reply(Running& running)
{
    if (!running.reading_reply)
        return;
    // Room for the delimiter that ends a reply of --max-size bytes.
    auto const limit = m_options.max_size + (delimited(m_options.framing.mode) ? 1 : 0);
    int const fd = running.child->stdout_fd();
    bool const more = read_available(fd, running.reply, limit, Keep::Head, m_buffer.get());
    if (running.reply.size() > limit) {
        running.stopped = Stopped::TooLong;
        running.child->kill(SIGKILL);
        running.reply = {};
    } else if (more) {
        return;
    }
    m_poller->remove(fd);
    running.reading_reply = false;
}

void ExecHandler::read_errors(Running& running)
{
    if (!running.reading_errors)
        return;
    int const fd = running.child->stderr_fd();
    if (read_available(fd, running.errors, 2 * stderr_limit, Keep::Tail, m_buffer.get()))
        return;
    m_poller->remove(fd);
    running.reading_errors = false;
}

void ExecHandler::finish(std::size_t slot, int status)
{
    auto& running = *m_slots[slot];
    running.child->kill(SIGKILL); // Anything it left running in its group.
    read_reply(running); // What it wrote before it exited is in the pipes.
    read_errors(running);
    for (int const fd :
        { running.child->exit_fd(), running.child->stdout_fd(), running.child->stderr_fd() })
        m_poller->remove(fd);
    auto& reply = running.reply;
    if (running.stopped == Stopped::No && delimited(m_options.framing.mode) && !reply.empty()
        && reply.back() == m_options.framing.delimiter)
        reply.pop_back(); // "1024\n" is the reply "1024".
    if (running.stopped == Stopped::No && reply.size() > m_options.max_size)
        running.stopped = Stopped::TooLong;
    if (running.stopped == Stopped::TimedOut)
        m_reply(running.job, wire::ReplyStatus::Error,
            fmt::format("timed out after {}", format_duration(*m_options.handler_timeout)));
    else if (running.stopped == Stopped::TooLong)
        m_reply(running.job, wire::ReplyStatus::Error,
            fmt::format("the handler's reply is longer than --max-size ({} bytes); it was killed",
                m_options.max_size));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        m_reply(running.job, wire::ReplyStatus::Ok, reply);
    else
        m_reply(running.job, wire::ReplyStatus::Error, describe_failure(status, running.errors));
    m_slots[slot].reset();
    --m_running;
    m_starved = false;
}

void ExecHandler::on_event(std::uint64_t tag, std::uint32_t)
{
    auto const slot = (tag - m_first_tag) / 3;
    if (slot >= m_slots.size() || !m_slots[slot])
        return;
    auto& running = *m_slots[slot];
    switch ((tag - m_first_tag) % 3) {
    case 0:
        if (auto const status = running.child->try_wait())
            finish(slot, *status);
        break;
    case 1:
        read_reply(running);
        break;
    default:
        read_errors(running);
    }
}

void ExecHandler::tick()
{
    auto const now = Clock::now();
    for (auto& running : m_slots)
        if (running && running->deadline && running->stopped == Stopped::No
            && now >= *running->deadline) {
            running->stopped = Stopped::TimedOut;
            running->child->kill(SIGKILL); // The whole group: its children too.
        }
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
    std::erase_if(
        m_queue, [connection](auto const& waiting) { return waiting.job.connection == connection; });
}

int ExecHandler::timeout_ms() const
{
    std::optional<Clock::time_point> next;
    for (auto const& running : m_slots)
        if (running && running->deadline && running->stopped == Stopped::No)
            next = next ? std::min(*next, *running->deadline) : *running->deadline;
    if (!next)
        return -1;
    auto const ms = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 24 * 3600 * 1000));
}

}
