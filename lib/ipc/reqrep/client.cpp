// The client keeps every unanswered request in a deque in id order, so a
// reply finds its request by subtraction, and replies that overtake an
// earlier one wait there (copied) until it is answered. Frames are batched
// into one buffer and written when it is large or before the client blocks.

#include "ipc/reqrep/client.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/wire/encoder.hpp"

#include <sys/socket.h>

namespace ipc::reqrep {

namespace {

// In flight at once: enough to keep a server busy, bounded so that a client
// feeding a slow server does not hold all of its input in memory.
constexpr std::size_t max_in_flight = 16 * 1024;
constexpr std::size_t max_in_flight_bytes = 8 * 1024 * 1024;
constexpr std::size_t read_size = 256 * 1024;

}

Client::Client(ClientOptions options, Stop& stop, OnReply on_reply, OnIdle on_idle)
    : m_options(std::move(options))
    , m_stop(stop)
    , m_loop(stop)
    , m_on_reply(std::move(on_reply))
    , m_on_idle(std::move(on_idle))
    , m_in(new char[read_size])
    , m_decoder(m_options.max_size + wire::reply_header_size)
    , m_retries_left(m_options.retries)
{
    connect({});
}

Client::~Client() = default;

void Client::disconnect()
{
    m_connected = false;
    m_loop.remove(m_connection.fd.get());
    m_connection.fd.reset();
}

void Client::connect(std::string const& avoid)
{
    disconnect();
    auto connected = reqrep::connect(m_options.address, m_options.wait, m_stop, avoid);
    if (!connected) {
        m_interrupted = true; // A signal came while waiting for a server.
        return;
    }
    m_connection = std::move(*connected);
    m_connected = true;
    ++m_generation;
    io::set_blocking(m_connection.fd.get(), io::Blocking::No);
    m_loop.add(m_connection.fd.get(), EPOLLIN,
        [this](std::uint32_t events) { m_socket_events |= events; });
    m_decoder = wire::Decoder(m_options.max_size + wire::reply_header_size);
    m_out.clear();
    wire::append_hello(m_out.back(), wire::Role::Client);
    auto const now = Clock::now();
    for (auto& pending : m_pending) {
        if (pending.replied)
            continue;
        wire::append_request(m_out.back(), pending.id, pending.data);
        pending.sent = now;
    }
}

void Client::send(std::string_view data)
{
    if (m_interrupted)
        return;
    if (!m_connected) {
        auto const closed = m_connection.server;
        connect(closed); // The server closed an idle connection.
    }
    bool const keep = m_options.retries > 0;
    auto& pending = m_pending.emplace_back(
        Pending { m_next_id++, data.size(), Clock::now(), keep ? std::string(data) : "", false, true, {} });
    m_pending_bytes += data.size();
    wire::append_request(m_out.back(), pending.id, data);
    if (m_out.pending().size() >= io_chunk_size) {
        write_out();
        read_replies(); // Keep replies flowing, so the server never waits on us.
    }
    while (!m_interrupted && (m_pending.size() >= max_in_flight || m_pending_bytes >= max_in_flight_bytes))
        pump(-1, true);
}

bool Client::wait_input(int fd)
{
    while (!m_interrupted)
        if (pump(fd, true))
            return true;
    return false;
}

bool Client::finish()
{
    while (!m_interrupted && !m_pending.empty())
        pump(-1, true);
    return !m_interrupted;
}

// One round: writes what it can, then waits (when block is set) for the
// socket, a signal, or input_fd. True when input_fd is readable.
bool Client::pump(int input_fd, bool block)
{
    write_out();
    if (block)
        m_on_idle();
    if (m_connected)
        m_loop.modify(m_connection.fd.get(), EPOLLIN | (m_out.empty() ? 0u : std::uint32_t { EPOLLOUT }));
    m_socket_events = 0;
    bool input = false;
    if (input_fd >= 0)
        m_loop.add(input_fd, EPOLLIN, [&input](std::uint32_t) { input = true; });
    auto const result = m_loop.run_once(block ? deadline() : Clock::now());
    if (input_fd >= 0)
        m_loop.remove(input_fd);
    if (result == io::Loop::Result::Stopped) {
        m_interrupted = true;
        return false;
    }
    if (m_socket_events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        read_replies();
    if (m_socket_events & EPOLLOUT && m_connected)
        write_out();
    if (m_options.timeout && !m_pending.empty()
        && Clock::now() - m_pending.front().sent >= *m_options.timeout)
        timed_out();
    return input;
}

void Client::write_out()
{
    if (!m_connected || m_out.write_to(m_connection.fd.get()) != io::OutBuffer::Status::Closed)
        return;
    // What the server said before it went (a refusal, replies) comes first.
    std::string const why = std::strerror(errno);
    auto const generation = m_generation;
    read_replies();
    if (m_generation == generation && m_connected)
        lost(why.c_str());
}

void Client::read_replies()
{
    if (!m_connected)
        return;
    auto const count = ::read(m_connection.fd.get(), m_in.get(), read_size);
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (count <= 0) {
        lost(count == 0 ? "the server closed the connection" : std::strerror(errno));
        return;
    }
    std::string_view input(m_in.get(), static_cast<std::size_t>(count));
    auto const server = m_options.address.text();
    while (!input.empty()) {
        auto const status = m_decoder.feed(input);
        if (status == wire::Decoder::Status::NeedMore)
            break;
        if (status == wire::Decoder::Status::TooLarge) {
            m_on_idle();
            throw Error(Exit::IoError,
                fmt::format("{}: a reply of {} bytes is longer than --max-size ({} bytes)", server,
                    m_decoder.announced() - wire::reply_header_size, m_options.max_size),
                "raise --max-size");
        }
        std::string error;
        auto const reply = wire::parse_reply(m_decoder.body(), error);
        if (!reply) {
            m_on_idle();
            throw Error(Exit::IoError, fmt::format("{}: bad frame from the server: {}", server, error));
        }
        take(*reply);
    }
    deliver_ready();
}

void Client::take(wire::Reply const& reply)
{
    if (reply.id == 0 && reply.status == wire::ReplyStatus::Error) { // Refused outright.
        m_on_idle();
        throw Error(Exit::Unavailable,
            fmt::format("{}: the server refused the connection: {}", m_options.address.text(),
                printable(reply.data)),
            "ask its owner to start it with --allow-uid or --allow-group");
    }
    auto const first = m_pending.empty() ? 0 : m_pending.front().id;
    if (m_pending.empty() || reply.id < first || reply.id - first >= m_pending.size()
        || m_pending[reply.id - first].replied) {
        m_on_idle();
        throw Error(Exit::IoError,
            fmt::format("{}: the server answered request {}, which is not waiting for a reply",
                m_options.address.text(), reply.id));
    }
    bool const ok = reply.status == wire::ReplyStatus::Ok;
    auto& pending = m_pending[reply.id - first];
    if (reply.id != first) { // Overtook an earlier request: it waits its turn.
        pending.replied = true;
        pending.ok = ok;
        pending.reply.assign(reply.data);
        return;
    }
    m_on_reply({ pending.id, ok, reply.data, Clock::now() - pending.sent });
    m_pending_bytes -= pending.size;
    m_pending.pop_front();
}

void Client::deliver_ready()
{
    while (!m_pending.empty() && m_pending.front().replied) {
        auto& pending = m_pending.front();
        m_on_reply({ pending.id, pending.ok, pending.reply, Clock::now() - pending.sent });
        m_pending_bytes -= pending.size;
        m_pending.pop_front();
    }
}

void Client::lost(char const* why)
{
    disconnect();
    std::size_t const unanswered = static_cast<std::size_t>(
        std::count_if(m_pending.begin(), m_pending.end(), [](auto const& p) { return !p.replied; }));
    if (unanswered == 0)
        return; // Reconnect when there is something to send.
    if (m_retries_left == 0) {
        m_on_idle();
        throw Error(Exit::Unavailable,
            fmt::format("{}: lost the connection to the server ({}) with {} {} unanswered",
                m_options.address.text(), why, unanswered, unanswered == 1 ? "request" : "requests"),
            m_options.retries == 0 ? "send them to another server with --retries N"
                                   : "no retry was left (--retries)");
    }
    --m_retries_left;
    auto const failed = m_connection.server;
    connect(failed);
}

std::optional<Deadline> Client::deadline() const
{
    if (!m_options.timeout || m_pending.empty())
        return std::nullopt;
    return m_pending.front().sent + *m_options.timeout;
}

void Client::timed_out()
{
    m_on_idle();
    throw Error(Exit::Timeout,
        fmt::format("{}: request {}: no reply within {}", m_options.address.text(),
            m_pending.front().id, format_duration(*m_options.timeout)));
}

}
