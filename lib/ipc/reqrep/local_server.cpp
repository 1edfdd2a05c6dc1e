// Connections are kept by key, a number never used twice, and a Job names
// its connection by key: a reply for a client that has gone finds nothing
// and is dropped. Input left unread (nothing could be taken) is copied out
// of the shared read buffer and the connection waits in m_waiting without
// EPOLLIN until resume() gets it going again.

#include "ipc/reqrep/local_server.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/wire/decoder.hpp"
#include "ipc/wire/encoder.hpp"

#include <sys/socket.h>

namespace ipc::reqrep {

namespace {

constexpr std::size_t read_size = 256 * 1024;
// Replies batched for a client that does not read them: stop taking its requests.
constexpr std::size_t output_limit = 4 * 1024 * 1024;
// How often an idle server wakes up for Listener::refresh (which acts less often).
constexpr auto refresh_interval = std::chrono::minutes(1);

}

struct LocalServer::Connection {
    Fd fd;
    io::Peer peer;
    bool tcp = false;
    std::uint64_t key = 0;
    wire::Decoder decoder;
    std::string_view input; // Read but not decoded yet: in the shared buffer or in `kept`.
    std::string kept;
    io::OutBuffer out;
    std::uint32_t events = 0; // As registered with the loop.
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

LocalServer::LocalServer(ServerOptions options, HandlerOptions const& handler, Stop& stop)
    : LocalServer(std::move(options), make_handler(handler), stop) // The handler's errors first.
{
}

LocalServer::LocalServer(ServerOptions options, std::unique_ptr<Handler> handler, Stop& stop)
    : m_options(std::move(options))
    , m_listener(m_options.address)
    , m_dispatcher(std::move(handler), m_options.count, stop, *this)
    , m_read_buffer(new char[read_size])
{
    m_dispatcher.watch(m_options);
    watch_listener();
}

LocalServer::~LocalServer() = default;

Exit LocalServer::run()
{
    announce_ready(m_options.ready_file, m_listener.resolved());
    return m_dispatcher.run();
}

void LocalServer::watch_listener()
{
    m_dispatcher.loop().add(m_listener.fd(), EPOLLIN, [this](std::uint32_t) {
        if (!m_dispatcher.draining())
            accept_all();
    });
}

LocalServer::Connection* LocalServer::find(std::uint64_t key) const
{
    auto const found = m_connections.find(key);
    return found == m_connections.end() ? nullptr : found->second.get();
}

void LocalServer::accept_all()
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
                [[maybe_unused]] auto const ignored
                    = ::send(connection->fd.get(), refusal.data(), refusal.size(), MSG_NOSIGNAL);
                continue;
            }
        }
        auto const key = ++m_serial;
        connection->key = key;
        connection->events = EPOLLIN;
        m_dispatcher.loop().add(connection->fd.get(), EPOLLIN,
            [this, key](std::uint32_t events) { on_event(key, events); });
        m_connections.emplace(key, std::move(connection));
    }
}

void LocalServer::on_event(std::uint64_t key, std::uint32_t events)
{
    auto* connection = find(key);
    if (connection && events & EPOLLOUT)
        write(*connection);
    connection = find(key);
    if (!connection)
        return;
    if (events & (EPOLLHUP | EPOLLERR) && !connection->input.empty())
        close(*connection, {}); // Gone while waiting: its hang-up would be reported forever.
    else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable(*connection);
}

void LocalServer::close(Connection& connection, std::string const& why)
{
    if (!why.empty())
        warn("{}: {}; connection closed", connection.who(), why);
    m_dispatcher.loop().remove(connection.fd.get());
    m_dispatcher.cancel(connection.key);
    m_connections.erase(connection.key);
}

bool LocalServer::can_take(Connection const& connection) const
{
    return m_dispatcher.can_take() && connection.out.pending().size() < output_limit;
}

void LocalServer::on_readable(Connection& connection)
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

// Decodes and hands out requests until the input is used up or the
// dispatcher (or this client's unread replies) says stop; what is left is kept.
void LocalServer::process(Connection& connection)
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
    if (!connection.input.empty() && !connection.waiting && !m_dispatcher.draining()) {
        connection.waiting = true;
        m_waiting.push_back(key);
    }
    update_interest(connection);
}

void LocalServer::take(Connection& connection, std::string_view body)
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
    m_dispatcher.submit(Job { connection.key, request->id,
                            connection.tcp ? -1 : static_cast<std::int64_t>(connection.peer.uid) },
        request->data);
}

std::string LocalServer::client(Job const& job) const
{
    auto const* connection = find(job.connection);
    if (!connection)
        return "a client that went away";
    if (connection->tcp)
        return "peer " + io::peer_address(connection->fd.get());
    return fmt::format("pid {} uid {}", connection->peer.pid, connection->peer.uid);
}

void LocalServer::deliver(Job const& job, wire::ReplyStatus status, std::string_view data)
{
    m_listener.count_served();
    auto* connection = find(job.connection);
    if (!connection)
        return; // The client went away; nobody is waiting for this.
    wire::append_reply(connection->out.back(), job.id, status, data);
    if (!connection->dirty) {
        connection->dirty = true;
        m_dirty.push_back(connection->key);
    }
}

void LocalServer::write(Connection& connection)
{
    if (connection.out.write_to(connection.fd.get()) == io::OutBuffer::Status::Closed) {
        close(connection, errno == EPIPE || errno == ECONNRESET ? "" : std::strerror(errno));
        return;
    }
    update_interest(connection);
}

void LocalServer::flush()
{
    auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (auto const key : dirty)
        if (auto* connection = find(key)) {
            connection->dirty = false;
            write(*connection);
        }
}

bool LocalServer::writing() const
{
    for (auto const& [key, connection] : m_connections)
        if (!connection->out.empty())
            return true;
    return false;
}

void LocalServer::update_interest(Connection& connection)
{
    bool const reading = connection.input.empty() && !m_dispatcher.draining();
    std::uint32_t const wanted = (reading ? std::uint32_t { EPOLLIN } : 0u)
        | (connection.out.empty() ? 0u : std::uint32_t { EPOLLOUT });
    if (wanted == connection.events)
        return;
    connection.events = wanted;
    m_dispatcher.loop().modify(connection.fd.get(), wanted);
}

void LocalServer::resume()
{
    for (std::size_t i = 0; i < m_waiting.size() && m_dispatcher.can_take();) {
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

void LocalServer::drain()
{
    m_dispatcher.loop().remove(m_listener.fd());
    m_listener.close(); // No new clients; the socket file goes now.
    m_waiting.clear();
    for (auto& [key, connection] : m_connections)
        update_interest(*connection);
}

std::optional<Deadline> LocalServer::upkeep()
{
    auto const old = m_listener.fd();
    if (m_listener.refresh()) {
        m_dispatcher.loop().remove(old); // Closed already: only our entry goes.
        watch_listener();
    }
    auto const now = std::chrono::steady_clock::now();
    for (auto const key : m_waiting)
        if (auto* connection = find(key); connection && can_take(*connection))
            return now; // Room again: go on with its input at once.
    return now + refresh_interval;
}

}
