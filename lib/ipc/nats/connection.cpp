// cnats' callbacks run on its threads: they only append to Shared::events
// and write the eventfd. Everything else (lines on stderr, errors) happens
// in handle_events(), on the thread that runs our loop.

#include "ipc/nats/connection.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"

#include <cctype>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ipc::nats {

namespace {

constexpr std::int64_t reconnect_wait_ms = 250;
constexpr std::int64_t reconnect_jitter_ms = 100;
constexpr std::int64_t reconnect_jitter_tls_ms = 1000;
// How long our destructor waits for cnats to finish closing.
constexpr auto close_wait = std::chrono::seconds(2);

Exit exit_for(natsStatus status)
{
    switch (status) {
    case NATS_MAX_PAYLOAD:
        return Exit::Usage;
    case NATS_NO_SERVER:
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NO_SERVER_SUPPORT:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_TIMEOUT:
    case NATS_IO_ERROR:
        return Exit::Unavailable;
    default:
        return Exit::Internal;
    }
}

std::string hint_for(natsStatus status)
{
    switch (status) {
    case NATS_NO_SERVER:
        return "start one with 'nats-server', or check --url";
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
        return "check --creds, or the user in --url";
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SECURE_CONNECTION_WANTED:
        return "use tls:// for a server that requires TLS, nats:// otherwise; --tls-ca names "
               "its CA";
    default:
        return {};
    }
}

// cnats' texts are in title case ("Not Permitted", "SSL Error"); in our
// one-line errors their words are in lower case, and acronyms stay.
std::string in_lower_case(std::string text)
{
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if ((i == 0 || text[i - 1] == ' ') && std::islower(static_cast<unsigned char>(text[i + 1])))
            text[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    }
    return text;
}

void check_readable(std::string const& path, std::string_view option)
{
    if (!path.empty() && ::access(path.c_str(), R_OK) != 0)
        throw SystemError(
            Exit::Usage, fmt::format("{} {}: {}", option, path, std::strerror(errno)), errno);
}

}

SignalBlock::SignalBlock()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, &m_old);
}

SignalBlock::~SignalBlock()
{
    ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
}

void fail(natsStatus status, std::string_view what, std::string_view detail)
{
    auto const& nats = api();
    std::string text = in_lower_case(nats.natsStatus_GetText(status));
    if (!detail.empty())
        text += fmt::format(": {}", detail);
    throw Error(exit_for(status), fmt::format("{}: {}", what, text), hint_for(status));
}

void Connection::Shared::record(Event event) noexcept
{
    {
        std::lock_guard lock(mutex);
        if (closing && event.kind == Event::Kind::Disconnected)
            return;
        events.push_back(event);
    }
    pending.store(true, std::memory_order_relaxed);
    std::uint64_t const one = 1;
    (void)!::write(event_fd.get(), &one, sizeof(one));
}

void Connection::on_disconnected(natsConnection*, void* closure)
{
    static_cast<Shared*>(closure)->record({ Event::Kind::Disconnected });
}

void Connection::on_reconnected(natsConnection*, void* closure)
{
    static_cast<Shared*>(closure)->record({ Event::Kind::Reconnected });
}

void Connection::on_closed(natsConnection*, void* closure)
{
    auto* shared = static_cast<Shared*>(closure);
    std::lock_guard lock(shared->mutex);
    shared->closed = true;
    shared->closed_changed.notify_all();
}

void Connection::on_error(
    natsConnection*, natsSubscription* subscription, natsStatus status, void* closure)
{
    static_cast<Shared*>(closure)->record({ Event::Kind::Error, status, subscription });
}

Connection::Connection(BackendOptions const& backend)
    : m_api(api())
    , m_shared(std::make_unique<Shared>())
{
    check_readable(backend.creds, "--creds");
    if (backend.url.tls)
        check_readable(backend.tls_ca, "--tls-ca");
    m_shared->event_fd.reset(
        sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for NATS events"));

    SignalBlock const block; // Connect starts cnats' threads.
    natsOptions* options = nullptr;
    check(m_api.natsOptions_Create(&options), "NATS options");
    std::unique_ptr<natsOptions, decltype(m_api.natsOptions_Destroy)> const owned(
        options, m_api.natsOptions_Destroy);
    auto const urls = backend.url.server_urls();
    std::vector<char const*> servers;
    for (auto const& url : urls)
        servers.push_back(url.c_str());
    auto* shared = m_shared.get();
    check(m_api.natsOptions_SetServers(options, servers.data(), static_cast<int>(servers.size())),
        "--url");
    check(m_api.natsOptions_SetNoRandomize(options, true), "--url"); // Order = preference.
    if (backend.url.tls) {
        check(m_api.natsOptions_SetSecure(options, true), "tls://");
        if (!backend.tls_ca.empty())
            check(m_api.natsOptions_LoadCATrustedCertificates(options, backend.tls_ca.c_str()),
                fmt::format("--tls-ca {}", backend.tls_ca));
    }
    if (!backend.creds.empty())
        check(
            m_api.natsOptions_SetUserCredentialsFromFiles(options, backend.creds.c_str(), nullptr),
            fmt::format("--creds {}", backend.creds));
    std::string const name(program_name());
    check(m_api.natsOptions_SetName(options, name.c_str()), "NATS options");
    check(m_api.natsOptions_SetMaxReconnect(options, -1), "NATS options"); // For ever.
    check(m_api.natsOptions_SetReconnectWait(options, reconnect_wait_ms), "NATS options");
    check(
        m_api.natsOptions_SetReconnectJitter(options, reconnect_jitter_ms, reconnect_jitter_tls_ms),
        "NATS options");
    check(m_api.natsOptions_SetDisconnectedCB(options, on_disconnected, shared), "NATS options");
    check(m_api.natsOptions_SetReconnectedCB(options, on_reconnected, shared), "NATS options");
    check(m_api.natsOptions_SetClosedCB(options, on_closed, shared), "NATS options");
    check(m_api.natsOptions_SetErrorHandler(options, on_error, shared), "NATS options");
    if (auto const status = m_api.natsConnection_Connect(&m_connection, options);
        status != NATS_OK) {
        {
            std::lock_guard lock(m_shared->mutex);
            m_shared->closed = true; // There is no connection to wait for.
        }
        fail(status, backend.url.shown());
    }
    m_shown_url = connected_url();
}

Connection::~Connection()
{
    if (!m_connection)
        return;
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->closing = true;
    }
    m_api.natsConnection_Destroy(m_connection);
    for (auto* subscription : m_unsubscribed)
        m_api.natsSubscription_Destroy(subscription);
    std::unique_lock lock(m_shared->mutex);
    if (!m_shared->closed_changed.wait_for(lock, close_wait, [&] { return m_shared->closed; })) {
        lock.unlock();
        (void)m_shared.release(); // cnats may still call back: leave it what it points to.
    }
}

void Connection::wake() noexcept
{
    std::uint64_t const one = 1;
    (void)!::write(m_shared->event_fd.get(), &one, sizeof(one));
}

std::string Connection::connected_url() const
{
    char buffer[512] = "";
    if (m_api.natsConnection_GetConnectedUrl(m_connection, buffer, sizeof(buffer)) != NATS_OK)
        return "the NATS server";
    // A URL with a password is shown without it.
    std::string url(buffer);
    std::string error;
    if (auto const parsed = try_parse_url(url, error))
        return parsed->shown();
    return url;
}

void Connection::handle_events(OnSlow const& on_slow)
{
    std::uint64_t count = 0;
    (void)!::read(m_shared->event_fd.get(), &count, sizeof(count));
    if (!m_shared->pending.exchange(false, std::memory_order_relaxed))
        return;
    std::vector<Event> events;
    {
        std::lock_guard lock(m_shared->mutex);
        events.swap(m_shared->events);
    }
    for (auto const& event : events) {
        switch (event.kind) {
        case Event::Kind::Disconnected:
            warn("{}: disconnected from the NATS server; reconnecting", m_shown_url);
            break;
        case Event::Kind::Reconnected:
            m_shown_url = connected_url();
            warn("{}: reconnected to the NATS server", m_shown_url);
            break;
        case Event::Kind::Error:
            if (event.status == NATS_SLOW_CONSUMER) {
                if (on_slow && event.subscription)
                    on_slow(event.subscription);
                break;
            }
            char const* detail = nullptr;
            m_api.natsConnection_GetLastError(m_connection, &detail);
            fail(event.status, m_shown_url, detail ? detail : "");
        }
    }
}

std::size_t Connection::max_payload() const
{
    auto const size = m_api.natsConnection_GetMaxPayload(m_connection);
    return size > 0 ? static_cast<std::size_t>(size) : 0;
}

}
