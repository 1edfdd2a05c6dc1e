// A session is kept by its client's connection. Its process is a Child with
// three fds in the server's loop: its stdout (replies, cut by a Splitter
// and matched in order with the requests written), its stdin (EPOLLOUT
// while requests wait to be written, batched once per round) and its pidfd
// (its exit). A session whose process ended while its client stayed is kept,
// with why, to answer that client's later requests; one whose client went is
// dropped once its process has been reaped.

#include "ipc/reqrep/session_handler.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/limits.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/parse.hpp"
#include "ipc/io/child.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/io/socket.hpp"

#include <csignal>

namespace ipc::reqrep {

namespace {

// Requests taken but not answered, over all sessions, before the server
// stops reading more.
constexpr std::size_t max_in_flight = 64 * 1024;

}

struct SessionHandler::Session {
    enum class State {
        Waiting, // For a free session: its requests wait in `waiting`.
        Live, // Its process takes requests.
        Closing, // Its client went, or the server drains: its stdin is closed.
        Over, // Its process ended or was killed: requests get `over`.
    };
    State state = State::Waiting;
    std::uint64_t connection = 0;
    std::int64_t peer_uid = -1;
    std::optional<io::Child> child; // Until reaped.
    io::OutBuffer out;
    framing::Splitter splitter;
    std::deque<Job> held; // Written, not answered yet, in order.
    std::deque<std::pair<Job, std::string>> waiting;
    std::optional<Deadline> deadline; // Live: the next reply's; Closing: the next signal's.
    int signals = 0; // Closing: how many of SIGTERM and SIGKILL were sent.
    std::string over;
    bool writing = false; // EPOLLOUT asked on its stdin.
    bool gone = false; // Its client went away.

    Session(framing::Options const& framing, std::size_t max_size)
        : splitter(framing.mode, framing.delimiter, max_size)
    {
    }
};

SessionHandler::SessionHandler(HandlerOptions options)
    : m_options(std::move(options))
    , m_timeout(m_options.handler_timeout.value_or(default_pipe_timeout))
{
    require_separable(m_options.framing);
    io::require_program(m_options.command.at(0));
}

SessionHandler::~SessionHandler() = default;

void SessionHandler::attach(io::Loop& loop, ReplyFn reply)
{
    m_loop = &loop;
    m_reply = std::move(reply);
}

bool SessionHandler::full() const
{
    return m_in_flight >= max_in_flight;
}

SessionHandler::Session* SessionHandler::find(std::uint64_t connection) const
{
    auto const found = m_sessions.find(connection);
    return found == m_sessions.end() ? nullptr : found->second.get();
}

void SessionHandler::fail(Job const& job, std::string_view reason)
{
    --m_in_flight;
    m_reply(job, wire::ReplyStatus::Error, reason);
}

void SessionHandler::submit(Job const& job, std::string_view data)
{
    ++m_in_flight;
    if (auto const problem = unframable(m_options.framing, data); !problem.empty())
        return fail(job, problem);
    auto& session = open(job);
    if (session.state == Session::State::Live)
        send(session, job, data);
    else if (session.state == Session::State::Waiting)
        session.waiting.emplace_back(job, std::string(data));
    else
        fail(job, session.over);
}

// The session of job's client, started at its first request when there is
// room; waiting when a session that is ending will make room; over at once
// otherwise.
SessionHandler::Session& SessionHandler::open(Job const& job)
{
    auto [found, added] = m_sessions.try_emplace(job.connection);
    if (!added)
        return *found->second;
    found->second = std::make_unique<Session>(m_options.framing, m_options.max_size);
    auto& session = *found->second;
    session.connection = job.connection;
    session.peer_uid = job.peer_uid;
    if (m_running < m_options.jobs) {
        start(session);
    } else if (m_admissions.size() < m_closing) {
        m_admissions.push_back(job.connection);
    } else {
        session.state = Session::State::Over;
        session.over = fmt::format("no session for this client: all {} sessions (--jobs) are in "
                                   "use; try again when one has ended",
            m_options.jobs);
    }
    return session;
}

void SessionHandler::start(Session& session)
{
    auto const uid = session.peer_uid < 0 ? std::string() : std::to_string(session.peer_uid);
    try {
        session.child.emplace(io::Spawn { .argv = m_options.command,
            .environment = { "IPC_NAME=" + m_options.name, "IPC_PEER_UID=" + uid },
            .pipe_stdin = true,
            .capture_stdout = true });
    } catch (Error const& e) { // Out of descriptors or processes, or the command went.
        auto const reason = fmt::format("the session could not start: {}", e.what());
        end(session, reason, reason);
        return;
    }
    ++m_running;
    session.state = Session::State::Live;
    auto const& child = *session.child;
    io::set_blocking(child.stdin_fd(), io::Blocking::No);
    io::set_blocking(child.stdout_fd(), io::Blocking::No);
    auto const connection = session.connection;
    m_loop->add(
        child.stdout_fd(), EPOLLIN, [this, connection](std::uint32_t) { read_in(connection); });
    m_loop->add(child.stdin_fd(), 0, [this, connection](std::uint32_t events) {
        if (auto* found = find(connection))
            write_out(*found, (events & EPOLLERR) != 0);
    });
    m_loop->add(
        child.exit_fd(), EPOLLIN, [this, connection](std::uint32_t) { exited(connection); });
    for (auto& [job, data] : std::exchange(session.waiting, {}))
        send(session, job, data);
}

void SessionHandler::send(Session& session, Job const& job, std::string_view data)
{
    append_framed(session.out.back(), m_options.framing, data);
    if (session.held.empty())
        session.deadline = std::chrono::steady_clock::now() + m_timeout;
    session.held.push_back(job);
}

// broken: epoll says its stdin has no reader, which a write to nothing
// would not notice.
void SessionHandler::write_out(Session& session, bool broken)
{
    int const fd = session.child ? session.child->stdin_fd() : -1;
    if (session.state != Session::State::Live || fd < 0) {
        session.out.clear();
        return;
    }
    if (broken || session.out.write_to(fd) == io::OutBuffer::Status::Closed) {
        // It closed its stdin: what it holds times out unless it answers.
        m_loop->remove(fd);
        session.child->close_stdin();
        session.out.clear();
        session.writing = false;
        return;
    }
    bool const wanted = !session.out.empty();
    if (wanted != session.writing) {
        session.writing = wanted;
        m_loop->modify(fd, wanted ? std::uint32_t { EPOLLOUT } : 0u);
    }
}

// Reads what the session's process wrote; false when there was nothing
// (EAGAIN) or its stdout ended. A session no longer live reads to drop.
bool SessionHandler::read_in(std::uint64_t connection)
{
    auto* session = find(connection);
    if (!session || !session->child || !m_loop->contains(session->child->stdout_fd()))
        return false;
    int const fd = session->child->stdout_fd();
    auto room = session->splitter.prepare(io_chunk_size);
    auto const count = ::read(fd, room.data(), room.size());
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (count <= 0) {
        m_loop->remove(fd); // Its exit follows, or its time-out.
        return false;
    }
    if (session->state != Session::State::Live)
        return true; // Not committed: dropped.
    session->splitter.commit(static_cast<std::size_t>(count));
    deliver(*session);
    return true;
}

void SessionHandler::deliver(Session& session)
{
    std::string_view reply;
    while (session.state == Session::State::Live) {
        auto const status = session.splitter.next(reply);
        if (status == framing::Splitter::Status::NeedMore)
            return;
        if (status != framing::Splitter::Status::Ready) {
            session.child->kill(SIGKILL);
            end(session,
                fmt::format("the handler's reply is longer than --max-size ({} bytes); it was "
                            "killed",
                    m_options.max_size),
                "the session is over: its handler gave a reply longer than --max-size");
            return;
        }
        if (session.held.empty()) {
            if (!m_warned_unasked)
                warn("{}: a session's handler wrote a reply nobody asked for; dropped (each "
                     "request must get exactly one reply)",
                    m_options.name);
            m_warned_unasked = true;
            continue;
        }
        m_reply(session.held.front(), wire::ReplyStatus::Ok, reply);
        session.held.pop_front();
        --m_in_flight;
        session.deadline = session.held.empty()
            ? std::nullopt
            : std::optional(std::chrono::steady_clock::now() + m_timeout);
    }
}

// Its process has exited: the replies it wrote first still count, then
// what it started goes with its group, and it is reaped.
void SessionHandler::exited(std::uint64_t connection)
{
    auto* session = find(connection);
    if (!session || !session->child)
        return;
    auto& child = *session->child;
    child.kill(SIGKILL); // Its group; it is a zombie, so the group is still its.
    while (read_in(connection)) { }
    auto const status = child.try_wait();
    if (!status)
        return;
    for (int const fd : { child.stdout_fd(), child.stdin_fd(), child.exit_fd() })
        if (fd >= 0)
            m_loop->remove(fd);
    bool const live = session->state == Session::State::Live;
    session->child.reset();
    --m_running;
    if (!live)
        --m_closing;
    if (live) {
        auto const how = io::describe_status(*status);
        end(*session, fmt::format("the session's handler ended ({}) without replying", how),
            fmt::format("the session is over: its handler ended ({})", how));
    }
    if (session->gone || session->state == Session::State::Closing)
        m_sessions.erase(connection);
    admit();
}

// The client went, or the server drains: the process reads end-of-file.
void SessionHandler::close(Session& session)
{
    m_loop->remove(session.child->stdin_fd());
    session.child->close_stdin();
    session.out.clear();
    session.writing = false;
    session.state = Session::State::Closing;
    session.over = "the session is ending";
    session.deadline = std::chrono::steady_clock::now() + m_timeout;
    ++m_closing;
}

// The session can answer nothing more: what it holds or waits with gets
// now, later requests over. A process it still has is on its way out.
void SessionHandler::end(Session& session, std::string const& now, std::string over)
{
    for (auto const& job : session.held)
        fail(job, now);
    for (auto const& [job, data] : session.waiting)
        fail(job, now);
    session.held.clear();
    session.waiting.clear();
    if (session.child && session.state == Session::State::Live) {
        if (int const fd = session.child->stdin_fd(); fd >= 0)
            m_loop->remove(fd);
        session.child->close_stdin();
        ++m_closing;
    }
    session.out.clear();
    session.state = Session::State::Over;
    session.over = std::move(over);
    session.deadline.reset();
}

void SessionHandler::cancel(std::uint64_t connection)
{
    auto* session = find(connection);
    if (!session)
        return;
    m_in_flight -= session->held.size() + session->waiting.size();
    session->held.clear();
    session->waiting.clear();
    std::erase(m_admissions, connection);
    session->gone = true;
    if (session->state == Session::State::Live)
        close(*session);
    else if (!session->child)
        m_sessions.erase(connection);
}

// Sessions that hold nothing end now; the others once they have answered (tick).
void SessionHandler::drain()
{
    m_draining = true;
    for (auto& [connection, session] : m_sessions)
        if (session->state == Session::State::Live && session->held.empty())
            close(*session);
}

// Sessions waiting for one that ended start, oldest first.
void SessionHandler::admit()
{
    while (!m_admissions.empty() && m_running < m_options.jobs) {
        auto const connection = m_admissions.front();
        m_admissions.pop_front();
        if (auto* session = find(connection))
            start(*session);
    }
}

void SessionHandler::tick()
{
    auto const now = std::chrono::steady_clock::now();
    for (auto& [connection, session] : m_sessions) {
        using State = Session::State;
        if (session->deadline && now >= *session->deadline) {
            if (session->state == State::Live) {
                // Stuck, or it left a reply out: what it writes now must reach nobody.
                session->child->kill(SIGKILL);
                auto const after = format_duration(m_timeout);
                end(*session, fmt::format("timed out after {}", after),
                    fmt::format("the session is over: its handler gave no reply within {} and was "
                                "killed",
                        after));
            } else if (session->state == State::Closing) {
                session->child->kill(session->signals == 0 ? SIGTERM : SIGKILL);
                ++session->signals;
                session->deadline
                    = session->signals < 2 ? std::optional(now + m_timeout) : std::nullopt;
            }
        }
        if (session->state == State::Live && m_draining && session->held.empty())
            close(*session);
        if (session->state == State::Live && !session->out.empty() && !session->writing)
            write_out(*session);
    }
    admit();
}

std::optional<Deadline> SessionHandler::deadline() const
{
    std::optional<Deadline> next;
    for (auto const& [connection, session] : m_sessions)
        if (session->deadline)
            next = next ? std::min(*next, *session->deadline) : *session->deadline;
    return next;
}

}
