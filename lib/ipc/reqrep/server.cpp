// Connections live in slots; a Job names its connection by slot and serial
// number, so a reply for a client that has gone finds nothing and is
// dropped. Input left unread (the handler was full) is copied out of the
// shared read buffer and the connection waits in m_waiting without EPOLLIN.

#include "ipc/reqrep/server.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/wire/decoder.hpp"
#include "ipc/wire/encoder.hpp"

#include <fcntl.h>
#include <sys/socket.h>

namespace ipc::reqrep {

namespace {

constexpr std::uint64_t listener_tag = 0;
constexpr std::uint64_t signal_tag = 1;
constexpr std::uint64_t first_connection_tag = 16;
constexpr std::uint64_t first_handler_tag = std::uint64_t { 1 } << 32;
constexpr std::uint64_t slot_bits = 24;
constexpr std::uint64_t slot_mask = (std::uint64_t { 1 } << slot_bits) - 1;
constexpr std::size_t read_size = 256 * 1024;
// Replies batched for a client that does not read them: stop taking its requests.
constexpr std::size_t output_limit = 4 * 1024 * 1024;
constexpr int refresh_ms = 60 * 1000;

}

struct Server::Connection {
    Fd fd;
    io::Peer peer;
    bool tcp = false;
    std::uint64_t key = 0;
    wire::Decoder decoder;
    std::string_view input; // Read but not decoded yet: in the shared buffer or in `kept`.
    std::string kept;
    io::OutBuffer out;
    std::size_t in_flight = 0;
    std::uint32_t events = 0; // As registered with the poller.
    bool greeted = false;
    bool dirty = false;
    bool waiting = false;

    Connection(Fd socket, std::size_t max_body)
        : fd(std::move(socket))
        , decoder(max_body)
    {
    }

    std::string who() const
    {
        return tcp ? std::string("a TCP client") : fmt::format("client (pid {})", peer.pid);
    }
};

Server::Server(ServerOptions options, std::unique_ptr<Handler> handler, Stop& stop)
    : m_options(std::move(options))
    , m_handler(std::move(handler))
    , m_stop(stop)
    , m_listener(m_options.address)
    , m_read_buffer(new char[read_size])
{
    m_poller.add(m_listener.fd(), EPOLLIN, listener_tag);
    m_poller.add(m_stop.signal_fd(), EPOLLIN, signal_tag);
    m_handler->attach(m_poller, first_handler_tag,
        [this](Job const& job, wire::ReplyStatus status, std::string_view data) {
            reply(job, status, data);
        });
}

Server::~Server() = default;

void Server::write_ready_file() const
{
    if (m_options.ready_file.empty())
        return;
    auto const& path = m_options.ready_file;
    auto const temporary = path + ".tmp";
    {
        Fd fd { sys::check(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644),
            "create", temporary) };
        if (!sys::write_all(fd.get(), m_listener.resolved() + "\n"))
            sys::check(-1, "write", temporary);
    }
    sys::check(::rename(temporary.c_str(), path.c_str()), "rename", path);
}

Server::Connection* Server::find(std::uint64_t key) const
{
    auto const slot = key & slot_mask;
    if (slot >= m_connections.size() || !m_connections[slot] || m_connections[slot]->key != key)
        return nullptr;
    return m_connections[slot].get();
}

void Server::accept_all()
{
    while (true) {
        auto fd = io::accept_connection(m_listener.fd());
        if (!fd)
            return;
        auto connection = std::make_unique<Connection>(
            std::move(fd), m_options.max_size + wire::request_header_size);
        connection->tcp = m_listener.is_tcp();
        if (connection->tcp) {
            io::set_tcp_no_delay(connection->fd.get());
        } else {
            connection->peer = io::peer_of(connection->fd.get());
            if (!m_options.access.allows(connection->peer)) {
                warn("refused a client running as uid {} (allow it with --allow-uid {})",
                    connection->peer.uid, connection->peer.uid);
                // Reply 0 answers no request: it tells the client why it is shut out.
                std::string refusal;
                wire::append_reply(refusal, 0, wire::ReplyStatus::Error,
                    fmt::format("uid {} is not allowed to use this server", connection->peer.uid));
                [[maybe_unused]] auto const ignored = ::send(
                    connection->fd.get(), refusal.data(), refusal.size(), MSG_NOSIGNAL);
                continue;
            }
        }
        std::size_t slot = 0;
        while (slot < m_connections.size() && m_connections[slot])
            ++slot;
        if (slot > slot_mask) {
            warn("too many clients; one refused");
            continue;
        }
        if (slot == m_connections.size())
            m_connections.emplace_back();
        connection->key = (++m_serial << slot_bits) | slot;
        connection->events = EPOLLIN;
        m_poller.add(connection->fd.get(), EPOLLIN, first_connection_tag + slot);
        m_connections[slot] = std::move(connection);
    }
}

void Server::close(Connection& connection, std::string const& why)
{
    if (!why.empty())
        warn("{}: {}; connection closed", connection.who(), why);
    m_poller.remove(connection.fd.get());
    m_handler->cancel(connection.key);
    m_connections[connection.key & slot_mask].reset();
}

bool Server::can_take(Connection const& connection) const
{
    return !m_draining && !m_handler->full() && connection.out.pending().size() < output_limit;
}

void Server::on_readable(Connection& connection)
{
    if (!connection.input.empty())
        return; // Still working through what was read.
    auto const count = ::read(connection.fd.get(), m_read_buffer.get(), read_size);
    if (count < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (count <= 0) {
        // The client is gone (ipc-req never half-closes): replies still due
        // to it are dropped when they come.
        close(connection, {});
        return;
    }
    connection.input = std::string_view(m_read_buffer.get(), static_cast<std::size_t>(count));
    process(connection);
}

// Decodes and hands out requests until the input is used up or the handler
// (or this client's unread replies) says stop; what is left is kept.
void Server::process(Connection& connection)
{
    auto const key = connection.key;
    while (!connection.input.empty() && can_take(connection)) {
        auto const status = connection.decoder.feed(connection.input);
        if (status == wire::Decoder::Status::NeedMore)
            break;
        if (status == wire::Decoder::Status::TooLarge) {
            close(connection,
                fmt::format("a frame of {} bytes is longer than --max-size allows ({} bytes)",
                    connection.decoder.announced(), m_options.max_size));
            return;
        }
        take(connection, connection.decoder.body());
        if (!find(key))
            return; // Closed for a bad frame.
    }
    if (connection.input.empty()) {
        connection.kept.clear();
    } else if (connection.input.data() >= m_read_buffer.get()
        && connection.input.data() < m_read_buffer.get() + read_size) {
        connection.kept.assign(connection.input); // The shared buffer is reused by the next read.
        connection.input = connection.kept;
    }
    if (!connection.input.empty() && !connection.waiting && !m_draining) {
        connection.waiting = true;
        m_waiting.push_back(key);
    }
    update_interest(connection);
}

void Server::take(Connection& connection, std::string_view body)
{
    std::string error;
    if (!connection.greeted) {
        auto const hello = wire::parse_hello(body, error);
        if (hello && hello->role != wire::Role::Client)
            error = "the peer is not a client (it sent a publisher's hello)";
        if (!error.empty()) {
            close(connection, error);
            return;
        }
        connection.greeted = true;
        return;
    }
    auto const request = wire::parse_request(body, error);
    if (!request || request->id == 0) { // Id 0 is a refusal's: it would answer nothing.
        close(connection, request ? "a request with id 0 (request ids start at 1)" : error);
        return;
    }
    ++connection.in_flight;
    ++m_taken;
    m_handler->submit(Job { connection.key, request->id,
                          connection.tcp ? -1 : static_cast<std::int64_t>(connection.peer.uid) },
        request->data);
    if (m_options.count && m_taken >= *m_options.count)
        begin_drain();
}

void Server::reply(Job const& job, wire::ReplyStatus status, std::string_view data)
{
    auto* connection = find(job.connection);
    if (!connection)
        return; // The client went away; nobody is waiting for this.
    --connection->in_flight;
    wire::append_reply(connection->out.back(), job.id, status, data);
    if (!connection->dirty) {
        connection->dirty = true;
        m_dirty.push_back(connection->key);
    }
}

void Server::flush(Connection& connection)
{
    if (connection.out.write_to(connection.fd.get()) == io::OutBuffer::Status::Closed) {
        close(connection, errno == EPIPE || errno == ECONNRESET ? "" : std::strerror(errno));
        return;
    }
    update_interest(connection);
}

void Server::update_interest(Connection& connection)
{
    bool const reading = connection.input.empty() && !m_draining;
    std::uint32_t const wanted = (reading ? std::uint32_t { EPOLLIN } : 0u)
        | (connection.out.empty() ? 0u : std::uint32_t { EPOLLOUT });
    if (wanted == connection.events)
        return;
    connection.events = wanted;
    m_poller.modify(connection.fd.get(), wanted, first_connection_tag + (connection.key & slot_mask));
}

void Server::resume_waiting()
{
    for (std::size_t i = 0; i < m_waiting.size() && !m_handler->full();) {
        auto* connection = find(m_waiting[i]);
        if (connection && can_take(*connection)) {
            connection->waiting = false;
            m_waiting.erase(m_waiting.begin() + static_cast<std::ptrdiff_t>(i));
            process(*connection); // May queue it again.
        } else if (!connection) {
            m_waiting.erase(m_waiting.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
}

void Server::begin_drain()
{
    if (m_draining)
        return;
    m_draining = true;
    m_listener.close(); // No new clients; the socket file goes now.
    m_waiting.clear();
    for (auto& connection : m_connections)
        if (connection)
            update_interest(*connection);
}

bool Server::drained() const
{
    if (m_handler->in_flight() != 0)
        return false;
    for (auto const& connection : m_connections)
        if (connection && !connection->out.empty())
            return false;
    return true;
}

Exit Server::run()
{
    write_ready_file();
    while (true) {
        resume_waiting();
        m_handler->tick();
        auto dirty = std::move(m_dirty);
        m_dirty.clear();
        for (auto const key : dirty)
            if (auto* connection = find(key)) {
                connection->dirty = false;
                flush(*connection);
            }
        if (m_stop.signal() != 0 || m_handler->finished())
            begin_drain();
        if (m_draining && drained())
            return Exit::Ok;
        if (m_forced) {
            warn("a second signal: exiting with {} requests unanswered", m_handler->in_flight());
            return m_stop.interrupted_exit();
        }
        if (!m_draining && m_listener.refresh())
            m_poller.add(m_listener.fd(), EPOLLIN, listener_tag);
        int timeout = m_draining ? -1 : refresh_ms;
        if (int const handler = m_handler->timeout_ms(); handler >= 0)
            timeout = timeout < 0 ? handler : std::min(timeout, handler);
        for (auto const key : m_waiting)
            if (auto* connection = find(key); connection && can_take(*connection))
                timeout = 0; // Room again: go on with its input at once.
        for (auto const& event : m_poller.wait(timeout))
            dispatch(event.tag, event.events);
    }
}

void Server::dispatch(std::uint64_t tag, std::uint32_t events)
{
    if (tag == listener_tag) {
        if (!m_draining)
            accept_all();
    } else if (tag == signal_tag) {
        bool const again = m_stop.signal() != 0;
        m_stop.check_signal();
        m_forced = again; // A second signal: stop draining.
    } else if (tag >= first_handler_tag) {
        m_handler->on_event(tag, events);
    } else if (auto const slot = tag - first_connection_tag;
               slot < m_connections.size() && m_connections[slot]) {
        auto& connection = *m_connections[slot];
        if (events & EPOLLOUT)
            flush(connection);
        if (!m_connections[slot])
            return;
        if (events & (EPOLLHUP | EPOLLERR) && !connection.input.empty())
            close(connection, {}); // Gone while waiting: its hang-up would be reported forever.
        else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            on_readable(connection);
    }
}

}
