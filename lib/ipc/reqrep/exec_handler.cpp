// Each handler's stdin, stdout and stderr are anonymous files (memfd), not
// pipes: nothing to feed or drain while it runs, so a handler that never
// reads its input, or writes much, cannot block the server. Its exit is
// seen through a pidfd in the server's poller.

#include "ipc/reqrep/exec_handler.hpp"

#include "ipc/core/log.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/sys.hpp"

#include <cstdlib>
#include <csignal>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ipc::reqrep {

namespace {

io::Fd anonymous_file(char const* name)
{
    return io::Fd { sys::check(::memfd_create(name, MFD_CLOEXEC), "memfd_create") };
}

// Reads at most limit bytes from offset of fd (a memfd).
std::string read_file(int fd, std::size_t offset, std::size_t limit)
{
    std::string text(limit, '\0');
    std::size_t filled = 0;
    while (filled < limit) {
        auto const got = ::pread(fd, text.data() + filled, limit - filled,
            static_cast<off_t>(offset + filled));
        if (got <= 0)
            break;
        filled += static_cast<std::size_t>(got);
    }
    text.resize(filled);
    return text;
}

std::size_t file_size(int fd)
{
    struct stat status { };
    sys::check(::fstat(fd, &status), "fstat");
    return static_cast<std::size_t>(status.st_size);
}

bool delimited(framing::Mode mode)
{
    return mode == framing::Mode::Line || mode == framing::Mode::Nul
        || mode == framing::Mode::Delimiter;
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

void ExecHandler::start(std::size_t slot, Waiting waiting)
{
    auto& running = m_slots[slot].emplace();
    running.job = waiting.job;
    auto const input = anonymous_file("ipc-serve-request");
    if (!io::write_all(input.get(), waiting.data))
        sys::fail("write", "memfd", errno);
    sys::check(::lseek(input.get(), 0, SEEK_SET), "lseek");
    running.output = anonymous_file("ipc-serve-reply");
    running.errors = anonymous_file("ipc-serve-stderr");
    auto const uid = running.job.peer_uid < 0 ? std::string() : std::to_string(running.job.peer_uid);
    try {
        running.child.emplace(io::Spawn { .argv = m_options.command,
            .environment = { "IPC_NAME=" + m_options.name,
                fmt::format("IPC_REQUEST_ID={}", running.job.id), "IPC_PEER_UID=" + uid },
            .stdin_fd = input.get(),
            .stdout_fd = running.output.get(),
            .stderr_fd = running.errors.get() });
    } catch (Error const& e) { // It could be run at start-up; now it cannot.
        auto const job = running.job;
        m_slots[slot].reset();
        m_reply(job, wire::ReplyStatus::Error, e.what());
        return;
    }
    if (m_options.handler_timeout)
        running.deadline = Clock::now() + *m_options.handler_timeout;
    m_poller->add(running.child->exit_fd(), EPOLLIN, m_first_tag + slot);
    ++m_running;
}

void ExecHandler::finish(std::size_t slot, int status)
{
    auto& running = *m_slots[slot];
    auto const job = running.job;
    m_poller->remove(running.child->exit_fd());
    running.child->kill(SIGKILL); // Anything it left running in its group.
    bool const ok = !running.timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok) {
        auto const size = file_size(running.output.get());
        if (size > m_options.max_size) {
            m_reply(job, wire::ReplyStatus::Error,
                fmt::format("the handler's reply of {} bytes is longer than --max-size ({} bytes)",
                    size, m_options.max_size));
        } else {
            auto reply = read_file(running.output.get(), 0, size);
            if (delimited(m_options.framing.mode) && !reply.empty()
                && reply.back() == m_options.framing.delimiter)
                reply.pop_back(); // "1024\n" is the reply "1024".
            m_reply(job, wire::ReplyStatus::Ok, reply);
        }
    } else {
        auto const size = file_size(running.errors.get());
        auto const from = size > 2 * stderr_limit ? size - 2 * stderr_limit : 0;
        auto const errors = read_file(running.errors.get(), from, size - from);
        auto reason = running.timed_out
            ? fmt::format("timed out after {}", format_duration(*m_options.handler_timeout))
            : describe_failure(status, errors);
        m_reply(job, wire::ReplyStatus::Error, reason);
    }
    m_slots[slot].reset();
    --m_running;
}

void ExecHandler::on_event(std::uint64_t tag, std::uint32_t)
{
    auto const slot = tag - m_first_tag;
    if (slot >= m_slots.size() || !m_slots[slot])
        return;
    if (auto const status = m_slots[slot]->child->try_wait())
        finish(slot, *status);
}

void ExecHandler::tick()
{
    auto const now = Clock::now();
    for (auto& running : m_slots)
        if (running && running->deadline && !running->timed_out && now >= *running->deadline) {
            running->timed_out = true;
            running->child->kill(SIGKILL); // The whole group: its children too.
        }
    for (std::size_t slot = 0; slot < m_slots.size() && !m_queue.empty(); ++slot) {
        if (m_slots[slot])
            continue;
        auto waiting = std::move(m_queue.front());
        m_queue.pop_front();
        start(slot, std::move(waiting));
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
        if (running && running->deadline && !running->timed_out)
            next = next ? std::min(*next, *running->deadline) : *running->deadline;
    if (!next)
        return -1;
    auto const ms = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 24 * 3600 * 1000));
}

}
