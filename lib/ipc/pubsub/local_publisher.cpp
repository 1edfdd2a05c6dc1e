// The brokerless publisher's policy and waits (local_publisher.hpp).

#include "ipc/pubsub/local_publisher.hpp"

#include "ipc/core/bytes.hpp"
#include "ipc/core/log.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/pubsub/backlog.hpp"
#include "ipc/pubsub/retain.hpp"

#include <algorithm>

namespace ipc::pubsub {

namespace {

// A frame carries up to this many bytes of messages: large enough to amortise
// headers and system calls, small enough that a receiver usually reads whole
// frames in one go and decodes them without copying.
constexpr std::size_t frame_target = 64 * 1024;
// Under --drop, how long finish() waits for subscribers that make no progress.
constexpr auto drop_grace = std::chrono::seconds(1);

// Removes fd from loop when it goes out of scope (a wait may end in a throw).
struct Watching {
    io::Loop& loop;
    int fd;
    ~Watching() { loop.remove(fd); }
};

}

struct LocalPublisher::Connection {
    Registration registration;
    Fd fd;
    Backlog backlog;
    std::uint64_t batch_serial = 0; // m_topic_serial of the open frame's topic.
    Tally* tally = nullptr;
    bool dead = false;
};

LocalPublisher::LocalPublisher(PublishOptions const& options, Stop& stop)
    : m_options(options)
    , m_stop(stop)
{
}

LocalPublisher::~LocalPublisher() = default;

void LocalPublisher::invalidate_targets()
{
    m_targets.clear();
    m_current = nullptr;
    std::erase_if(m_connections, [](auto const& entry) { return entry.second->dead; });
}

io::Loop& LocalPublisher::loop()
{
    if (!m_loop)
        m_loop.emplace(m_stop);
    return *m_loop;
}

void LocalPublisher::watch()
{
    if (!m_discovery.watch())
        return;
    loop().add(m_discovery.fd(), EPOLLIN, [this](std::uint32_t) { handle_watch(); });
    invalidate_targets();
}

// Runs inside waits, while publish() may be walking m_current's targets and
// send() and flush_all() a connection: it only takes note, for settle().
void LocalPublisher::handle_watch()
{
    if (m_discovery.refresh())
        m_subscribers_changed = true;
}

// At the entry points, where nothing walks the targets or the connections:
// the subscribers heard of come in, the dead connections go.
void LocalPublisher::settle()
{
    if (!m_subscribers_changed)
        return;
    m_subscribers_changed = false;
    invalidate_targets();
}

LocalPublisher::Connection* LocalPublisher::connect(Registration const& registration)
{
    auto found = m_connections.find(registration.id);
    if (found != m_connections.end())
        return found->second->dead ? nullptr : found->second.get();
    int error = 0;
    auto fd = io::try_connect_unix(
        m_discovery.registry().dir_fd(), registration.id + ".sock", io::Blocking::No, error);
    if (!fd) {
        // Refused: its subscriber died, so its files go. Gone: it has just
        // left, or not finished registering, or died registering (then its
        // files go once they are old). Busy (EAGAIN, a full backlog): alive,
        // try again later.
        auto const& registry = m_discovery.registry();
        if (error == ECONNREFUSED || (error == ENOENT && registry.abandoned(registration.id)))
            registry.remove(registration);
        if (error != EAGAIN)
            m_discovery.mark_stale(registration.id);
        return nullptr;
    }
    auto connection = std::make_unique<Connection>();
    connection->registration = registration;
    connection->tally = &m_tallies[registration.id];
    connection->tally->pid = io::peer_of(fd->get()).pid;
    connection->fd = std::move(*fd);
    wire::append_hello(connection->backlog.bytes.back(), wire::Role::Publisher);
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
    for (auto const* registration : m_discovery.matching(topic)) {
        auto* connection = connect(*registration);
        if (!connection)
            continue;
        if (registration->group.empty()) {
            targets.each.push_back(connection);
            continue;
        }
        auto group = std::find_if(targets.groups.begin(), targets.groups.end(),
            [&name = registration->group](Group const& g) { return g.name == name; });
        if (group == targets.groups.end())
            group = targets.groups.insert(targets.groups.end(), Group { registration->group, {} });
        group->members.push_back(connection);
    }
    m_discovery.forget_stale();
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
        if (member->backlog.pending() < high_water)
            return member;
        if (!fallback)
            fallback = member;
    }
    return fallback;
}

void LocalPublisher::select(std::string_view topic)
{
    settle();
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
        auto& backlog = connection->backlog;
        backlog.end_batch();
        auto const start = backlog.bytes.position();
        wire::append_lines(backlog.bytes.back(), m_topic, time_ns, delimiter, run);
        backlog.add_frame(start, count);
        if (backlog.pending() >= high_water && !send(*connection, Until::Room))
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
        if (ok && connection.backlog.pending() >= high_water)
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
    auto& backlog = connection.backlog;
    auto& out = backlog.bytes.back();
    bool const headers = !message.headers.empty();
    if (backlog.batch.open()
        && (connection.batch_serial != m_topic_serial || backlog.batch.size(out) >= frame_target
            || (headers && !backlog.batch.with_headers())))
        backlog.end_batch();
    if (!backlog.batch.open()) {
        backlog.batch.begin(out, m_topic, now_ns(),
            headers ? wire::Type::MessagesWithHeaders : wire::Type::Messages);
        connection.batch_serial = m_topic_serial;
    }
    backlog.batch.add(out, message.data, message.headers);
}

void LocalPublisher::write_some(Connection& connection)
{
    if (connection.backlog.write_to(connection.fd.get(), connection.tally->delivered)
        == io::OutBuffer::Status::Closed)
        hang_up(connection); // It went away: at-most-once, nothing to report.
}

// Only marks it dead (a wait may find it so, inside a walk that uses it);
// invalidate_targets() erases it.
void LocalPublisher::hang_up(Connection& connection)
{
    connection.dead = true;
    if (m_loop)
        m_loop->remove(connection.fd.get());
    connection.fd.reset();
    connection.backlog.clear();
}

bool LocalPublisher::send(Connection& connection, Until until)
{
    write_some(connection);
    auto const limit = until == Until::Room ? high_water : 1;
    if (connection.dead || connection.backlog.pending() < limit)
        return true;
    bool const dropping = m_options.overflow == Overflow::Drop;
    if (dropping && until != Until::Final) {
        connection.tally->dropped += connection.backlog.drop_unsent();
        return true;
    }
    // Under --drop, at the end, until the grace period ends; otherwise --timeout, or for ever.
    std::optional<Deadline> deadline;
    if (dropping)
        deadline = m_grace_end;
    else if (m_options.timeout)
        deadline = std::chrono::steady_clock::now() + *m_options.timeout;
    auto& loop = this->loop();
    loop.add(connection.fd.get(), EPOLLOUT, [&](std::uint32_t) { write_some(connection); });
    Watching const watching { loop, connection.fd.get() };
    auto const result = loop.run_until(
        deadline, [&] { return connection.dead || connection.backlog.pending() < limit; });
    if (result == io::Loop::Result::Stopped)
        return false;
    if (result == io::Loop::Result::Timeout) {
        if (dropping) {
            // The end: what is left goes, the frame it took part of too,
            // cut off when the connection closes (the subscriber discards it).
            connection.tally->dropped += connection.backlog.clear();
            hang_up(connection);
            return true;
        }
        throw Error(Exit::Timeout,
            fmt::format("{}: a subscriber took nothing for {}", m_topic,
                format_duration(*m_options.timeout)),
            "use --drop to skip slow subscribers");
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
    if (m_discovery.fd() >= 0)
        handle_watch();
    settle();
    for (auto& [id, connection] : m_connections)
        if (!connection->dead)
            write_some(*connection);
    for (auto& [id, connection] : m_connections)
        if (!connection->dead && !send(*connection, until))
            return false;
    return true;
}

bool LocalPublisher::wait_readable(int fd)
{
    if (m_stop.done() || !flush_all(Until::Empty))
        return false;
    watch();
    bool readable = false;
    loop().add(fd, EPOLLIN, [&](std::uint32_t) { readable = true; });
    Watching const watching { loop(), fd };
    return loop().run_until(std::nullopt, [&] { return readable; }) == io::Loop::Result::Ready;
}

bool LocalPublisher::wait_for_subscribers(std::string const& topic, std::uint64_t count)
{
    watch();
    std::optional<Deadline> deadline;
    if (m_options.timeout)
        deadline = std::chrono::steady_clock::now() + *m_options.timeout;
    while (true) {
        settle();
        std::uint64_t live = 0;
        for (auto const* registration :
            topic.empty() ? m_discovery.all() : m_discovery.matching(topic))
            live += connect(*registration) != nullptr;
        m_discovery.forget_stale();
        if (live >= count)
            return true;
        if (deadline && ms_until(*deadline) == 0)
            throw Error(Exit::Timeout,
                fmt::format("{}: {} of {} subscribers after {}", topic.empty() ? "*" : topic, live,
                    count, format_duration(*m_options.timeout)));
        if (loop().run_once(deadline) == io::Loop::Result::Stopped || m_stop.done())
            return false;
    }
}

int LocalPublisher::watch_subscribers()
{
    if (m_discovery.watch())
        invalidate_targets();
    return m_discovery.fd();
}

bool LocalPublisher::refresh_subscribers()
{
    handle_watch();
    bool const changed = m_subscribers_changed;
    settle();
    return changed;
}

bool LocalPublisher::has_subscribers(std::string_view topic)
{
    select(topic);
    auto const live = [](Connection const* connection) { return !connection->dead; };
    return std::any_of(m_current->each.begin(), m_current->each.end(), live)
        || std::any_of(
            m_current->groups.begin(), m_current->groups.end(), [&live](Group const& group) {
                return std::any_of(group.members.begin(), group.members.end(), live);
            });
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
