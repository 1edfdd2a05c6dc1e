// Frames are batched into one buffer per connection and written when it is
// large or before the client blocks; what the servers send back is decoded
// and fed to the Pipeline. Everything about order, retries and timeouts is
// the Pipeline's; this file owns the sockets and the words of the errors.

#include "ipc/reqrep/local_client.hpp"

#include "ipc/core/parse.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/wire/encoder.hpp"

#include <algorithm>
#include <sys/socket.h>
#include <utility>

namespace ipc::reqrep {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t read_size = 256 * 1024;

}

struct LocalClient::Lane {
    Pipeline::Lane index;
    Connected connection;
    io::OutBuffer out; // Frames not yet written.
    wire::Decoder decoder;
    std::uint32_t events = 0; // What the last wait saw on the connection.
    bool open = true;

    Lane(Pipeline::Lane at, Connected connected, std::size_t max_body)
        : index(at)
        , connection(std::move(connected))
        , decoder(max_body)
    {
    }
};

LocalClient::LocalClient(ClientOptions options, Stop& stop, OnReply on_reply, OnIdle on_idle)
    : m_options(std::move(options))
    , m_stop(stop)
    , m_loop(stop)
    , m_on_idle(std::move(on_idle))
    , m_pipeline(m_options.timeout, m_options.retries, std::move(on_reply))
    , m_in(new char[read_size])
    , m_spread(m_options.address.kind == Address::Kind::Name)
{
    if (m_options.deadline)
        m_pipeline.set_run_deadline(m_started + *m_options.deadline);
    connect({});
}

LocalClient::~LocalClient() = default;

void LocalClient::fail(Exit exit, std::string message, std::string hint)
{
    m_on_idle(); // The replies handed out so far reach the output first.
    throw Error(exit, std::move(message), std::move(hint));
}

// False when a signal came while waiting for a server. --wait ends with
// --deadline, and a server not found by then is a timeout.
bool LocalClient::connect(std::string const& avoid)
{
    auto wait = m_options.wait;
    std::optional<Deadline> run_deadline;
    if (m_options.deadline && wait) {
        run_deadline = m_started + *m_options.deadline;
        wait = std::min(*wait, std::max(Duration::zero(), *run_deadline - Clock::now()));
    }
    std::optional<Connected> connected;
    try {
        connected = reqrep::connect(m_options.address, wait, m_stop, avoid);
    } catch (Error const& e) { // Only to tell the user which limit ran out.
        if (e.exit() != Exit::Unavailable || !run_deadline || Clock::now() < *run_deadline)
            throw;
        fail(Exit::Timeout,
            run_timeout_message(
                m_options.address.text(), *m_options.deadline, m_pipeline.unanswered()));
    }
    if (!connected) {
        m_interrupted = true;
        return false;
    }
    open(std::move(*connected));
    return true;
}

void LocalClient::open(Connected connected)
{
    io::set_blocking(connected.fd.get(), io::Blocking::No);
    auto const index = m_lanes.size();
    auto& lane = *m_lanes.emplace_back(std::make_unique<Lane>(
        index, std::move(connected), m_options.max_size + wire::reply_header_size));
    m_loop.add(lane.connection.fd.get(), EPOLLIN,
        [this, index](std::uint32_t events) { m_lanes[index]->events |= events; });
    wire::append_hello(lane.out.back(), wire::Role::Client);
}

void LocalClient::close(Lane& lane)
{
    lane.open = false;
    m_loop.remove(lane.connection.fd.get());
    lane.connection.fd.reset();
    lane.out.clear();
    m_last_server = lane.connection.server;
}

bool LocalClient::any_open() const
{
    return std::any_of(m_lanes.begin(), m_lanes.end(), [](auto const& lane) { return lane->open; });
}

// The open connection with the fewest requests unanswered; one must be open.
Pipeline::Lane LocalClient::pick() const
{
    std::optional<Pipeline::Lane> best;
    for (auto const& lane : m_lanes)
        if (lane->open
            && (!best || m_pipeline.unanswered(lane->index) < m_pipeline.unanswered(*best)))
            best = lane->index;
    return *best;
}

// Where the next request goes, while other servers may be there (m_spread):
// lane if it is idle, else a new connection to a server of the name that
// has none yet.
Pipeline::Lane LocalClient::spread(Pipeline::Lane lane)
{
    if (m_pipeline.unanswered(lane) == 0)
        return lane;
    std::vector<std::string> taken;
    for (auto const& other : m_lanes)
        if (other->open)
            taken.push_back(other->connection.server);
    auto connected = try_connect_another(m_options.address, taken);
    if (!connected) {
        m_spread = false; // Every server has a connection; look again after a loss.
        return lane;
    }
    open(std::move(*connected));
    return m_lanes.back()->index;
}

void LocalClient::send(std::string_view data)
{
    if (m_interrupted)
        return;
    // No connection left (a server closes an idle one when it stops): make another.
    if (!m_lanes.back()->open && !any_open() && !connect(m_last_server))
        return;
    auto index = m_lanes.size() == 1 ? Pipeline::Lane { 0 } : pick(); // One server: the usual.
    if (m_spread)
        index = spread(index);
    auto& lane = *m_lanes[index];
    auto const id = m_pipeline.add(data, Clock::now(), lane.index);
    wire::append_request(lane.out.back(), id, data);
    if (lane.out.pending().size() >= io_chunk_size) {
        write_out(lane);
        if (lane.open)
            read_replies(lane); // Keep replies flowing, so the server never waits on us.
    }
    while (!m_interrupted && m_pipeline.full())
        pump(-1, true);
}

bool LocalClient::wait_input(int fd)
{
    while (!m_interrupted)
        if (pump(fd, true))
            return true;
    return false;
}

bool LocalClient::finish()
{
    while (!m_interrupted && !m_pipeline.empty())
        pump(-1, true);
    return !m_interrupted;
}

// One round: writes what it can, then waits (when block is set) for the
// sockets, a signal, or input_fd. True when input_fd is readable.
bool LocalClient::pump(int input_fd, bool block)
{
    // By index: a lost connection may open another, which m_lanes then grows by.
    for (std::size_t i = 0; i < m_lanes.size(); ++i)
        write_out(*m_lanes[i]);
    if (block)
        m_on_idle();
    for (auto const& lane : m_lanes) {
        lane->events = 0;
        if (lane->open)
            m_loop.modify(lane->connection.fd.get(),
                EPOLLIN | (lane->out.empty() ? 0u : std::uint32_t { EPOLLOUT }));
    }
    bool input = false;
    if (input_fd >= 0)
        m_loop.add(input_fd, EPOLLIN, [&input](std::uint32_t) { input = true; });
    auto const result = m_loop.run_once(block ? m_pipeline.deadline() : Clock::now());
    if (input_fd >= 0)
        m_loop.remove(input_fd);
    if (result == io::Loop::Result::Stopped) {
        m_interrupted = true;
        return false;
    }
    for (std::size_t i = 0; i < m_lanes.size(); ++i) {
        auto& lane = *m_lanes[i];
        auto const events = std::exchange(lane.events, 0);
        if (lane.open && events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            read_replies(lane);
        if (lane.open && events & EPOLLOUT)
            write_out(lane);
    }
    check_time();
    return input;
}

// Ends the run with 124 when --timeout or --deadline has run out.
void LocalClient::check_time()
{
    auto const now = Clock::now();
    auto const address = m_options.address.text();
    if (m_pipeline.run_over(now))
        fail(Exit::Timeout,
            run_timeout_message(address, *m_options.deadline, m_pipeline.unanswered()));
    if (auto const id = m_pipeline.overdue(now))
        fail(Exit::Timeout, request_timeout_message(address, *id, *m_options.timeout));
}

void LocalClient::write_out(Lane& lane)
{
    if (!lane.open || lane.out.write_to(lane.connection.fd.get()) != io::OutBuffer::Status::Closed)
        return;
    // What the server said before it went (a refusal, replies) comes first.
    std::string const why = std::strerror(errno);
    read_replies(lane);
    if (lane.open)
        lost(lane, why.c_str());
}

void LocalClient::read_replies(Lane& lane)
{
    if (!lane.open)
        return;
    auto const count = ::read(lane.connection.fd.get(), m_in.get(), read_size);
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (count <= 0) {
        lost(lane, count == 0 ? "the server closed the connection" : std::strerror(errno));
        return;
    }
    std::string_view input(m_in.get(), static_cast<std::size_t>(count));
    auto const server = m_options.address.text();
    while (!input.empty()) {
        auto const status = lane.decoder.feed(input);
        if (status == wire::Decoder::Status::NeedMore)
            break;
        if (status == wire::Decoder::Status::TooLarge)
            fail(Exit::IoError,
                fmt::format("{}: a reply of {} bytes is longer than --max-size ({} bytes)", server,
                    lane.decoder.announced() - wire::reply_header_size, m_options.max_size),
                "raise --max-size");
        std::string error;
        auto const reply = wire::parse_reply(lane.decoder.body(), error);
        if (!reply)
            fail(Exit::IoError, fmt::format("{}: bad frame from the server: {}", server, error));
        take(*reply);
    }
}

void LocalClient::take(wire::Reply const& reply)
{
    if (reply.id == 0 && reply.status == wire::ReplyStatus::Error) // Refused outright.
        fail(Exit::Unavailable,
            fmt::format("{}: the server refused the connection: {}", m_options.address.text(),
                printable(reply.data)),
            "ask its owner to start it with --allow-uid or --allow-group");
    auto const taken = m_pipeline.take(
        reply.id, reply.status == wire::ReplyStatus::Ok, reply.data, Clock::now());
    if (taken == Pipeline::Taken::NotWaiting)
        fail(Exit::IoError,
            fmt::format("{}: the server answered request {}, which is not waiting for a reply",
                m_options.address.text(), reply.id));
}

void LocalClient::lost(Lane& lane, char const* why)
{
    close(lane);
    m_spread = m_options.address.kind == Address::Kind::Name; // Another may have come.
    switch (m_pipeline.lost(lane.index)) {
    case Pipeline::Retry::Nothing:
        return; // Reconnect when there is something to send.
    case Pipeline::Retry::GiveUp: {
        auto const unanswered = m_pipeline.unanswered(lane.index);
        fail(Exit::Unavailable,
            fmt::format("{}: lost the connection to the server ({}) with {} {} unanswered",
                m_options.address.text(), why, unanswered,
                unanswered == 1 ? "request" : "requests"),
            m_options.retries == 0 ? "send them to another server with --retries N"
                                   : "no retry was left (--retries)");
    }
    case Pipeline::Retry::Resend:
        break;
    }
    if (!any_open() && !connect(lane.connection.server))
        return;
    m_pipeline.resend(lane.index, Clock::now(), [this](std::uint64_t id, std::string_view data) {
        auto const to = pick();
        wire::append_request(m_lanes[to]->out.back(), id, data);
        return to;
    });
}

}
