#include "ipc/pubsub/local_publisher.hpp"

#include "ipc/core/bytes.hpp"
#include "ipc/core/log.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/sys.hpp"
#include "ipc/pubsub/retain.hpp"

#include <algorithm>
#include <poll.h>
#include <sys/socket.h>

namespace ipc::pubsub {

namespace {

// A frame carries up to this many bytes of messages: large enough to amortise
// headers and system calls, small enough that a receiver usually reads whole
// frames in one go and decodes them without copying.
constexpr std::size_t frame_target = 64 * 1024;
// Bytes queued for one subscriber before the publisher writes (and, when the
// subscriber is slow, waits or drops).
constexpr std::size_t high_water = 256 * 1024;
// Under --drop, how long finish() waits for subscribers that make no progress.
constexpr auto drop_grace = std::chrono::seconds(1);

std::int64_t now_ns()
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

}

struct LocalPublisher::Connection {
    Registration registration;
    io::Fd fd;
    std::string out; // Frames not yet written, after `written` bytes that were.
    std::size_t written = 0;
    wire::BatchEncoder batch; // The open frame at the end of out, if any.
    std::uint64_t batch_serial = 0; // m_topic_serial of the open frame's topic.
    struct Frame {
        std::size_t start, end, count;
    };
    std::deque<Frame> frames; // The batch frames in out, for --drop's accounting.
    Tally* tally = nullptr;
    bool dead = false;

    std::size_t pending() const { return out.size() - written; }

    void end_batch()
    {
        if (batch.open()) {
            auto const start = out.size() - batch.size(out);
            auto const count = batch.end(out);
            frames.push_back({ start, out.size(), count });
        }
    }
};

LocalPublisher::LocalPublisher(PublishOptions const& options, Stop& stop)
    : m_options(options)
    , m_stop(stop)
{
    scan();
}

LocalPublisher::~LocalPublisher() = default;

void LocalPublisher::scan()
{
    std::map<std::string, Registration> found;
    for (auto& registration : m_registry.list())
        found.emplace(registration.id, std::move(registration));
    m_registrations = std::move(found);
    invalidate_targets();
}

void LocalPublisher::forget_stale()
{
    for (auto const& id : m_stale)
        m_registrations.erase(id);
    m_stale.clear();
}

void LocalPublisher::invalidate_targets()
{
    m_targets.clear();
    m_current = nullptr;
    std::erase_if(m_connections, [](auto const& entry) { return entry.second->dead; });
}

void LocalPublisher::watch()
{
    if (m_watch)
        return;
    m_watch = std::make_unique<io::DirWatch>(m_registry.path());
    scan(); // Whoever registered before the watch began.
}

void LocalPublisher::handle_watch()
{
    bool changed = false;
    for (auto const& name : m_watch->drain()) {
        auto const id = io::registered_id(name);
        if (!id)
            continue;
        if (auto registration = m_registry.read(*id)) {
            m_registrations.insert_or_assign(*id, std::move(*registration));
            changed = true;
        }
    }
    if (changed)
        invalidate_targets();
}

LocalPublisher::Connection* LocalPublisher::connect(Registration const& registration)
{
    auto found = m_connections.find(registration.id);
    if (found != m_connections.end())
        return found->second->dead ? nullptr : found->second.get();
    int error = 0;
    auto fd = io::try_connect_unix(
        m_registry.dir_fd(), registration.id + ".sock", io::Blocking::No, error);
    if (!fd) {
        // Refused: its subscriber died, so its files go. Gone: it has just
        // left. Busy (EAGAIN, a full backlog): alive, try again later.
        if (error == ECONNREFUSED)
            m_registry.remove(registration.id);
        if (error != EAGAIN)
            m_stale.push_back(registration.id);
        return nullptr;
    }
    auto connection = std::make_unique<Connection>();
    connection->registration = registration;
    connection->tally = &m_tallies[registration.id];
    connection->tally->pid = io::peer_of(fd->get()).pid;
    connection->fd = std::move(*fd);
    wire::append_hello(connection->out, wire::Role::Publisher);
    auto* raw = connection.get();
    m_connections.emplace(registration.id, std::move(connection));
    write_some(*raw);
    return raw->dead ? nullptr : raw;
}

LocalPublisher::Targets const& LocalPublisher::targets_for(std::string_view topic)
{
    auto found = m_targets.find(std::string(topic));
    if (found != m_targets.end())
        return found->second;
    Targets targets;
    for (auto const& [id, registration] : m_registrations) {
        if (!registration.matches(topic))
            continue;
        auto* connection = connect(registration);
        if (!connection)
            continue;
        if (registration.group.empty()) {
            targets.each.push_back(connection);
            continue;
        }
        auto group = std::find_if(targets.groups.begin(), targets.groups.end(),
            [&name = registration.group](Group const& g) { return g.name == name; });
        if (group == targets.groups.end())
            group = targets.groups.insert(targets.groups.end(), Group { registration.group, {} });
        group->members.push_back(connection);
    }
    forget_stale();
    return m_targets.emplace(std::string(topic), std::move(targets)).first->second;
}

LocalPublisher::Connection* LocalPublisher::pick(Group const& group)
{
    // Round robin, passing over members that are dead or backed up while another is free.
    auto& turn = m_group_turn[group.name];
    Connection* fallback = nullptr;
    for (std::size_t tries = 0; tries < group.members.size(); ++tries) {
        auto* member = group.members[turn++ % group.members.size()];
        if (member->dead)
            continue;
        if (member->pending() < high_water)
            return member;
        if (!fallback)
            fallback = member;
    }
    return fallback;
}

void LocalPublisher::select(std::string_view topic)
{
    if (!m_current || topic != m_topic) {
        m_topic = topic;
        m_current = &targets_for(m_topic);
        ++m_topic_serial;
    }
}

bool LocalPublisher::publish_run(std::string_view topic, char delimiter, std::string_view run)
{
    select(topic);
    if (!m_current->groups.empty()) // Each message goes to one member: one by one.
        return Publisher::publish_run(topic, delimiter, run);
    if (m_options.retain) { // The last message of the run.
        auto const body = run.substr(0, run.size() - 1);
        auto const cut = body.rfind(delimiter);
        m_retained.insert_or_assign(
            m_topic, std::string(cut == body.npos ? body : body.substr(cut + 1)));
    }
    // Only --drop needs to know how many messages a frame holds.
    std::size_t const count = m_options.overflow == Overflow::Drop ? count_byte(run, delimiter) : 0;
    auto const time_ns = now_ns();
    for (auto* connection : m_current->each) {
        if (connection->dead)
            continue;
        connection->end_batch();
        auto const start = connection->out.size();
        wire::append_lines(connection->out, m_topic, time_ns, delimiter, run);
        connection->frames.push_back({ start, connection->out.size(), count });
        if (connection->pending() >= high_water && !send(*connection, Until::Room))
            return false;
    }
    return true;
}

bool LocalPublisher::publish(MessageView const& message)
{
    select(message.topic);
    if (m_options.retain)
        m_retained.insert_or_assign(m_topic, std::string(message.data));
    bool ok = true;
    auto deliver = [&](Connection& connection) {
        append(connection, message);
        if (ok && connection.pending() >= high_water)
            ok = send(connection, Until::Room);
    };
    for (auto* connection : m_current->each)
        if (!connection->dead)
            deliver(*connection);
    for (auto const& group : m_current->groups)
        if (auto* member = pick(group))
            deliver(*member);
    return ok;
}

void LocalPublisher::append(Connection& connection, MessageView const& message)
{
    // Headers need a frame that carries them; one that does takes the
    // messages without headers that follow too.
    bool const headers = !message.headers.empty();
    if (connection.batch.open()
        && (connection.batch_serial != m_topic_serial
            || connection.batch.size(connection.out) >= frame_target
            || (headers && !connection.batch.with_headers())))
        connection.end_batch();
    if (!connection.batch.open()) {
        connection.batch.begin(connection.out, m_topic, now_ns(),
            headers ? wire::Type::MessagesWithHeaders : wire::Type::Messages);
        connection.batch_serial = m_topic_serial;
    }
    connection.batch.add(connection.out, message.data, message.headers);
}

void LocalPublisher::write_some(Connection& connection)
{
    while (connection.pending() > 0) {
        auto const count = ::send(connection.fd.get(), connection.out.data() + connection.written,
            connection.pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && errno == EAGAIN)
            break;
        if (count < 0) {
            hang_up(connection); // It went away: at-most-once, nothing to report.
            return;
        }
        connection.written += static_cast<std::size_t>(count);
    }
    while (!connection.frames.empty() && connection.frames.front().end <= connection.written) {
        connection.tally->delivered += connection.frames.front().count;
        connection.frames.pop_front();
    }
    if (connection.pending() == 0) {
        connection.out.clear();
        connection.written = 0;
    } else if (connection.written >= high_water && !connection.batch.open()) {
        // Keep the buffer from growing without end under steady back-pressure,
        // but keep a frame partly written whole, so that --drop sees it begun.
        auto const cut = connection.frames.empty()
            ? connection.written
            : std::min(connection.written, connection.frames.front().start);
        connection.out.erase(0, cut);
        for (auto& frame : connection.frames) {
            frame.start -= cut;
            frame.end -= cut;
        }
        connection.written -= cut;
    }
}

void LocalPublisher::hang_up(Connection& connection)
{
    connection.dead = true;
    connection.fd.reset();
    connection.out.clear();
    connection.written = 0;
    connection.frames.clear();
}

void LocalPublisher::drop_unsent(Connection& connection)
{
    // Whole frames that have not started go; a frame partly written must finish.
    while (!connection.frames.empty() && connection.frames.back().start >= connection.written) {
        connection.tally->dropped += connection.frames.back().count;
        connection.out.resize(connection.frames.back().start);
        connection.frames.pop_back();
    }
}

int LocalPublisher::deadline_ms(std::chrono::steady_clock::time_point deadline) const
{
    auto const left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero())
        return 0;
    auto const ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<long long>(ms, 3600 * 1000));
}

bool LocalPublisher::send(Connection& connection, Until until)
{
    connection.end_batch();
    write_some(connection);
    auto const limit = until == Until::Room ? high_water : 1;
    if (connection.dead || connection.pending() < limit)
        return true;
    bool const dropping = m_options.overflow == Overflow::Drop;
    if (dropping && until != Until::Final) {
        drop_unsent(connection);
        return true;
    }
    // Under --drop, at the end, until the grace period ends; otherwise --timeout, or for ever.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (dropping)
        deadline = m_grace_end;
    else if (m_options.timeout)
        deadline = std::chrono::steady_clock::now() + *m_options.timeout;
    while (!connection.dead && connection.pending() >= limit) {
        int const timeout = deadline ? deadline_ms(*deadline) : -1;
        pollfd fds[2] = { { connection.fd.get(), POLLOUT, 0 }, { m_stop.signal_fd(), POLLIN, 0 } };
        int const ready = ::poll(fds, 2, timeout);
        if (ready < 0 && errno != EINTR)
            sys::check(ready, "poll");
        if (fds[1].revents != 0) {
            m_stop.check_signal();
            if (m_stop.done())
                return false;
        }
        if (ready == 0 && deadline && std::chrono::steady_clock::now() >= *deadline) {
            if (dropping) {
                // The end: what is left goes, the frame it took part of too,
                // cut off when the connection closes (the subscriber discards it).
                for (auto const& frame : connection.frames)
                    connection.tally->dropped += frame.count;
                hang_up(connection);
                return true;
            }
            throw Error(Exit::Timeout,
                fmt::format("{}: a subscriber took nothing for {}", m_topic,
                    format_duration(*m_options.timeout)),
                "use --drop to skip slow subscribers");
        }
        write_some(connection);
    }
    return true;
}

void LocalPublisher::store_retained_now()
{
    for (auto const& [topic, data] : m_retained)
        store_retained({ data, topic, 0 });
    m_retained.clear();
}

bool LocalPublisher::flush()
{
    return flush_all(Until::Empty);
}

bool LocalPublisher::finish()
{
    m_grace_end = std::chrono::steady_clock::now() + drop_grace;
    return flush_all(Until::Final);
}

bool LocalPublisher::flush_all(Until until)
{
    store_retained_now();
    if (m_watch)
        handle_watch();
    for (auto& [id, connection] : m_connections)
        if (!connection->dead) {
            connection->end_batch();
            write_some(*connection);
        }
    for (auto& [id, connection] : m_connections)
        if (!connection->dead && !send(*connection, until))
            return false;
    return true;
}

bool LocalPublisher::wait_for_change(int timeout_ms)
{
    pollfd fds[2] = { { m_watch->fd(), POLLIN, 0 }, { m_stop.signal_fd(), POLLIN, 0 } };
    int const ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR)
        sys::check(ready, "poll");
    if (fds[0].revents != 0)
        handle_watch();
    if (fds[1].revents != 0)
        m_stop.check_signal();
    return !m_stop.done();
}

bool LocalPublisher::wait_readable(int fd)
{
    if (m_stop.done() || !flush_all(Until::Empty))
        return false;
    watch();
    while (true) {
        pollfd fds[3] = { { fd, POLLIN, 0 }, { m_watch->fd(), POLLIN, 0 },
            { m_stop.signal_fd(), POLLIN, 0 } };
        int const ready = ::poll(fds, 3, -1);
        if (ready < 0 && errno != EINTR)
            sys::check(ready, "poll");
        if (fds[1].revents != 0)
            handle_watch();
        if (fds[2].revents != 0) {
            m_stop.check_signal();
            if (m_stop.done())
                return false;
        }
        if (fds[0].revents != 0)
            return true;
    }
}

bool LocalPublisher::wait_for_subscribers(std::string const& topic, std::uint64_t count)
{
    watch();
    auto const start = std::chrono::steady_clock::now();
    while (true) {
        std::uint64_t live = 0;
        for (auto const& [id, registration] : m_registrations)
            if (topic.empty() || registration.matches(topic))
                live += connect(registration) != nullptr;
        forget_stale();
        if (live >= count)
            return true;
        int timeout = -1;
        if (m_options.timeout) {
            timeout = deadline_ms(start + *m_options.timeout);
            if (timeout == 0)
                throw Error(Exit::Timeout,
                    fmt::format("{}: {} of {} subscribers after {}", topic.empty() ? "*" : topic,
                        live, count, format_duration(*m_options.timeout)));
        }
        if (!wait_for_change(timeout))
            return false;
    }
}

std::vector<Publisher::Delivery> LocalPublisher::drops() const
{
    std::vector<Delivery> drops;
    for (auto const& [id, tally] : m_tallies)
        if (tally.dropped > 0)
            drops.push_back({ fmt::format("pid {}", tally.pid), tally.delivered, tally.dropped });
    return drops;
}

}
