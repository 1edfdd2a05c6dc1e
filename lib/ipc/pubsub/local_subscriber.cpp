// The brokerless subscriber (local_subscriber.hpp): its registration, the
// publishers it accepts, and their frames, on one io::Loop.

#include "ipc/pubsub/local_subscriber.hpp"

#include "ipc/core/limits.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/name.hpp"
#include "ipc/pubsub/retain.hpp"

#include <sys/socket.h>

namespace ipc::pubsub {

namespace {

constexpr std::size_t read_size = 512 * 1024;
// How often a long-lived subscriber touches its files against /tmp cleaners.
constexpr auto refresh_interval = std::chrono::minutes(10);

}

struct LocalSubscriber::Connection {
    Fd fd;
    io::Peer peer;
    std::string buffer; // The last read; `input` is what is left of it to decode.
    std::string_view input;
    wire::Decoder decoder;
    std::optional<wire::BatchView> batch; // The frame being handed out.
    bool greeted = false;
    bool ready = false; // Queued in m_ready.
    bool hung_up = false;

    Connection(Fd socket, io::Peer who, std::size_t max_body)
        : fd(std::move(socket))
        , peer(who)
        , decoder(max_body)
    {
    }
};

LocalSubscriber::LocalSubscriber(
    std::vector<Pattern> const& patterns, SubscribeOptions const& options)
    : m_options(options)
    , m_registration { LocalRegistry::new_id(), patterns, options.group, now_ns() }
{
    if (m_options.max_size == 0)
        m_options.max_size = default_max_size;
    // Retained messages are read after registering, so none published in
    // between is missed (it may show twice). A group shares live messages
    // only: each member printing the retained one would break "exactly one".
    m_listener = m_registry.add(m_registration);
    if (options.retained && options.group.empty())
        for (auto& message : load_retained(patterns))
            m_retained.push_back(std::move(message));
    m_loop.add(m_listener.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
    m_next_refresh = std::chrono::steady_clock::now() + refresh_interval;
}

LocalSubscriber::~LocalSubscriber()
{
    m_registry.remove(m_registration);
}

void LocalSubscriber::refresh()
{
    m_next_refresh = std::chrono::steady_clock::now() + refresh_interval;
    if (m_registry.touch(m_registration))
        return;
    // A cleaner deleted our files: register again under the same id (a
    // publisher keys connections by id, so none connects twice).
    m_registry.remove(m_registration);
    m_loop.remove(m_listener.get());
    m_listener = m_registry.add(m_registration);
    m_loop.add(m_listener.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
}

void LocalSubscriber::accept_all()
{
    while (true) {
        auto fd = io::accept_connection(m_listener.get());
        if (!fd)
            return;
        auto const peer = io::peer_of(fd.get());
        if (!m_options.access.allows(peer)) {
            warn("refused a publisher running as uid {} (allow it with --allow-uid {})", peer.uid,
                peer.uid);
            continue;
        }
        auto& connection = *m_connections.emplace_back(std::make_unique<Connection>(
            std::move(fd), peer, wire::frame_limit(m_options.max_size)));
        m_loop.add(connection.fd.get(), EPOLLIN | EPOLLRDHUP, [this, &connection](std::uint32_t) {
            if (!connection.ready) {
                connection.ready = true;
                m_ready.push_back(&connection);
            }
        });
    }
}

void LocalSubscriber::close(Connection& connection, std::string const& why)
{
    if (!why.empty())
        warn("publisher (pid {}): {}; connection closed", connection.peer.pid, why);
    if (m_current == &connection)
        m_current = nullptr;
    std::erase(m_ready, &connection);
    m_loop.remove(connection.fd.get());
    std::erase_if(m_connections, [&](auto const& each) { return each.get() == &connection; });
}

void LocalSubscriber::read_from(Connection& connection)
{
    connection.buffer.resize(read_size);
    auto const count = ::read(connection.fd.get(), connection.buffer.data(), read_size);
    if (count < 0 && (errno == EAGAIN || errno == EINTR)) {
        connection.input = {};
        return;
    }
    if (count <= 0) {
        if (count < 0 && errno != ECONNRESET)
            warn("read from publisher (pid {}): {}", connection.peer.pid, std::strerror(errno));
        connection.hung_up = true;
        connection.input = {};
        return;
    }
    connection.input = std::string_view(connection.buffer.data(), static_cast<std::size_t>(count));
}

// Hands out the next message of connection's current frame, decoding the
// next frame from its input when needed. False when it needs another read.
bool LocalSubscriber::next_from(Connection& connection, MessageView& message)
{
    while (true) {
        if (connection.batch) {
            std::string_view data;
            switch (connection.batch->next(data, m_options.max_size)) {
            case wire::BatchView::Status::Ready:
                message = { data, connection.batch->topic(), connection.batch->time_ns(),
                    connection.batch->headers() };
                return true;
            case wire::BatchView::Status::End:
                connection.batch.reset();
                break;
            case wire::BatchView::Status::TooLarge:
                throw Error(Exit::Usage,
                    fmt::format(
                        "a message is longer than --max-size ({} bytes)", m_options.max_size));
            case wire::BatchView::Status::Malformed:
                throw Error(Exit::Usage, "malformed message frame");
            }
        }
        if (connection.input.empty())
            return false;
        switch (connection.decoder.feed(connection.input)) {
        case wire::Decoder::Status::NeedMore:
            return false;
        case wire::Decoder::Status::TooLarge:
            throw Error(Exit::Usage,
                fmt::format("a frame of {} bytes is longer than --max-size allows ({} bytes)",
                    connection.decoder.announced(), m_options.max_size));
        case wire::Decoder::Status::Ready:
            break;
        }
        std::string error;
        if (!connection.greeted) {
            auto const hello = wire::parse_hello(connection.decoder.body(), error);
            if (!hello)
                throw Error(Exit::Usage, error);
            if (hello->role != wire::Role::Publisher)
                throw Error(Exit::Usage, "the peer is not a publisher");
            connection.greeted = true;
            continue;
        }
        connection.batch = wire::BatchView::parse(connection.decoder.body(), error);
        if (!connection.batch)
            throw Error(Exit::Usage, error);
        auto const topic = connection.batch->topic();
        if (!is_valid_name(topic))
            throw Error(
                Exit::Usage, fmt::format("message frame with a bad topic {}", printable(topic)));
        if (!m_registration.matches(topic))
            connection.batch.reset(); // A topic we did not ask for: skip it.
    }
}

// The first Stop's fds, watched for the receive() calls that follow.
void LocalSubscriber::watch_stop(Stop& stop)
{
    m_loop.add(stop.signal_fd(), EPOLLIN, [this](std::uint32_t) { m_stop->check_signal(); });
    stop.watch_output_in(m_loop);
}

void LocalSubscriber::wait(Deadline deadline)
{
    m_stop->refresh_output_in(m_loop);
    m_loop.run_once(deadline);
    if (std::chrono::steady_clock::now() >= m_next_refresh)
        refresh();
}

std::optional<MessageView> LocalSubscriber::receive_run(
    Stop& stop, std::function<void()> const& on_idle, char delimiter, std::uint64_t most, Run& run)
{
    run = {};
    auto message = receive(stop, on_idle);
    if (!message || !m_current || !m_current->batch || !m_current->batch->is_lines()
        || m_current->batch->delimiter() != delimiter || !m_from_batch || most <= 1)
        return message;
    // The message came from a Lines frame, so its delimiter and the next
    // messages follow it in the same buffer: hand them out in one piece.
    std::uint64_t more = 0;
    auto const rest = m_current->batch->take_run(most - 1, m_options.max_size, more);
    run = { 1 + more, true };
    message->data = std::string_view(message->data.data(), message->data.size() + 1 + rest.size());
    return message;
}

std::optional<MessageView> LocalSubscriber::receive(
    Stop& stop, std::function<void()> const& on_idle)
{
    if (!m_stop)
        watch_stop(stop);
    m_stop = &stop;
    if (stop.count_reached())
        return std::nullopt;
    m_from_batch = false;
    if (!m_retained.empty()) {
        m_held = std::move(m_retained.front());
        m_retained.pop_front();
        return m_held.view();
    }
    MessageView message;
    while (true) {
        if (m_current) {
            try {
                if (next_from(*m_current, message)) {
                    m_from_batch = true;
                    return message;
                }
            } catch (Error const& e) { // A bad publisher: drop it, keep serving the others.
                close(*m_current, e.what());
                continue;
            }
            if (m_current->hung_up)
                close(*m_current, {});
            m_current = nullptr;
        }
        if (!m_ready.empty()) {
            auto* connection = m_ready.front();
            m_ready.pop_front();
            connection->ready = false;
            read_from(*connection);
            m_current = connection;
            continue;
        }
        if (stop.done())
            return std::nullopt;
        wait(std::chrono::steady_clock::now()); // Passed: does not block.
        if (!m_ready.empty() || stop.done())
            continue;
        on_idle(); // Nothing to do: flush output before blocking.
        wait(std::min(m_next_refresh, stop.deadline().value_or(Deadline::max())));
    }
}

}
