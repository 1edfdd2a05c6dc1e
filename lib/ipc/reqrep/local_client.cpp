// Frames are batched into one buffer and written when it is large or before
// the client blocks; what the server sends back is decoded and fed to the
// Pipeline. Everything about order, retries and timeouts is the Pipeline's;
// this file owns the socket and the words of the errors.

#include "ipc/reqrep/local_client.hpp"

#include "ipc/core/parse.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/wire/encoder.hpp"

#include <sys/socket.h>

namespace ipc::reqrep {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t read_size = 256 * 1024;

}

LocalClient::LocalClient(ClientOptions options, Stop& stop, OnReply on_reply, OnIdle on_idle)
    : m_options(std::move(options))
    , m_stop(stop)
    , m_loop(stop)
    , m_on_idle(std::move(on_idle))
    , m_pipeline(m_options.timeout, m_options.retries, std::move(on_reply))
    , m_in(new char[read_size])
    , m_decoder(m_options.max_size + wire::reply_header_size)
{
    connect({});
}

LocalClient::~LocalClient() = default;

void LocalClient::fail(Exit exit, std::string message, std::string hint)
{
    m_on_idle(); // The replies handed out so far reach the output first.
    throw Error(exit, std::move(message), std::move(hint));
}

void LocalClient::disconnect()
{
    m_connected = false;
    m_loop.remove(m_connection.fd.get());
    m_connection.fd.reset();
}

void LocalClient::connect(std::string const& avoid)
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
    m_pipeline.resend(Clock::now(), [this](std::uint64_t id, std::string_view data) {
        wire::append_request(m_out.back(), id, data);
    });
}

void LocalClient::send(std::string_view data)
{
    if (m_interrupted)
        return;
    if (!m_connected) {
        auto const closed = m_connection.server;
        connect(closed); // The server closed an idle connection.
    }
    auto const id = m_pipeline.add(data, Clock::now());
    wire::append_request(m_out.back(), id, data);
    if (m_out.pending().size() >= io_chunk_size) {
        write_out();
        read_replies(); // Keep replies flowing, so the server never waits on us.
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
// socket, a signal, or input_fd. True when input_fd is readable.
bool LocalClient::pump(int input_fd, bool block)
{
    write_out();
    if (block)
        m_on_idle();
    if (m_connected)
        m_loop.modify(
            m_connection.fd.get(), EPOLLIN | (m_out.empty() ? 0u : std::uint32_t { EPOLLOUT }));
    m_socket_events = 0;
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
    if (m_socket_events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        read_replies();
    if (m_socket_events & EPOLLOUT && m_connected)
        write_out();
    if (auto const id = m_pipeline.overdue(Clock::now()))
        fail(Exit::Timeout,
            fmt::format("{}: request {}: no reply within {}", m_options.address.text(), *id,
                format_duration(*m_options.timeout)));
    return input;
}

void LocalClient::write_out()
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

void LocalClient::read_replies()
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
        if (status == wire::Decoder::Status::TooLarge)
            fail(Exit::IoError,
                fmt::format("{}: a reply of {} bytes is longer than --max-size ({} bytes)", server,
                    m_decoder.announced() - wire::reply_header_size, m_options.max_size),
                "raise --max-size");
        std::string error;
        auto const reply = wire::parse_reply(m_decoder.body(), error);
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

void LocalClient::lost(char const* why)
{
    disconnect();
    switch (m_pipeline.lost()) {
    case Pipeline::Retry::Nothing:
        return; // Reconnect when there is something to send.
    case Pipeline::Retry::GiveUp: {
        auto const unanswered = m_pipeline.unanswered();
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
    auto const failed = m_connection.server;
    connect(failed);
}

}
