#include "ipc/nats/client.hpp"

#include "ipc/core/parse.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/name.hpp"
#include "ipc/nats/census.hpp"

#include <charconv>
#include <fmt/format.h>

namespace ipc::nats {

namespace {

using Clock = std::chrono::steady_clock;

// While nobody serves the name (and --wait allows), the requests go again this often.
constexpr auto no_responders_retry = std::chrono::milliseconds(100);

// The request id at the end of a reply subject (_INBOX.<id>.<request id>).
std::optional<std::uint64_t> request_id(std::string_view subject, std::string_view prefix)
{
    if (!subject.starts_with(prefix))
        return std::nullopt;
    subject.remove_prefix(prefix.size());
    std::uint64_t id = 0;
    auto const [end, error] = std::from_chars(subject.data(), subject.data() + subject.size(), id);
    if (error != std::errc() || end != subject.data() + subject.size())
        return std::nullopt;
    return id;
}

// An error reply: ours say Ipc-Status: error, NATS micro's carry Nats-Service-Error.
bool is_error(natsMsg* message)
{
    auto const& nats = api();
    char const* value = nullptr;
    if (nats.natsMsgHeader_Get(message, reply_status_header, &value) == NATS_OK && value
        && std::string_view(value) == reply_status_error)
        return true;
    return nats.natsMsgHeader_Get(message, "Nats-Service-Error", &value) == NATS_OK;
}

}

Client::Client(BackendOptions const& backend, reqrep::ClientOptions options, Stop& stop,
    OnReply on_reply, OnIdle on_idle)
    : m_options(std::move(options))
    , m_stop(stop)
    , m_on_idle(std::move(on_idle))
    , m_pipeline(
          m_options.timeout, m_options.retries, std::move(on_reply), m_options.wait.has_value())
    , m_connection(backend)
    , m_max_payload(m_connection.max_payload())
    , m_subject(m_options.address.name)
    , m_reply_prefix("_INBOX." + random_id() + ".")
    , m_inbox(m_connection, m_reply_prefix + "*")
    , m_loop(stop)
{
    if (m_options.deadline)
        m_pipeline.set_run_deadline(Clock::now() + *m_options.deadline);
    m_loop.add(
        m_connection.event_fd(), EPOLLIN, [this](std::uint32_t) { m_connection.handle_events(); });
    m_loop.add(m_inbox.event_fd(), EPOLLIN, [this](std::uint32_t) { take_replies(); });
}

void Client::fail(Exit exit, std::string message, std::string hint)
{
    m_on_idle(); // The replies handed out so far reach the output first.
    throw Error(exit, std::move(message), std::move(hint));
}

void Client::publish(std::uint64_t id, std::string_view data)
{
    if (m_max_payload != 0 && data.size() > m_max_payload)
        fail(Exit::Usage,
            fmt::format("{}: a request of {} bytes is larger than the NATS server takes ({} "
                        "bytes, its max_payload)",
                m_options.address.text(), data.size(), m_max_payload));
    auto const reply = fmt::format("{}{}", m_reply_prefix, id);
    check(api().natsConnection_PublishRequest(m_connection.get(), m_subject.c_str(), reply.c_str(),
              data.data(), static_cast<int>(data.size())),
        fmt::format("{}: request {}", m_options.address.text(), id));
}

void Client::send(std::string_view data)
{
    if (m_interrupted)
        return;
    if (m_connection.has_events())
        m_connection.handle_events();
    publish(m_pipeline.add(data, Clock::now()), data);
    while (!m_interrupted && m_pipeline.full())
        pump(-1);
}

bool Client::wait_input(int fd)
{
    while (!m_interrupted)
        if (pump(fd))
            return true;
    return false;
}

bool Client::finish()
{
    while (!m_interrupted && !m_pipeline.empty())
        pump(-1);
    return !m_interrupted;
}

// One wait for a reply, a signal, a deadline or input_fd: true when input_fd is readable.
bool Client::pump(int input_fd)
{
    m_on_idle();
    bool input = false;
    if (input_fd >= 0)
        m_loop.add(input_fd, EPOLLIN, [&input](std::uint32_t) { input = true; });
    auto deadline = m_pipeline.deadline();
    if (m_resend_at)
        deadline = deadline ? std::min(*deadline, *m_resend_at) : *m_resend_at;
    auto const result = m_loop.run_once(deadline);
    if (input_fd >= 0)
        m_loop.remove(input_fd);
    if (result == io::Loop::Result::Stopped) {
        m_interrupted = true;
        return false;
    }
    auto const now = Clock::now();
    if (m_resend_at && now >= *m_resend_at) {
        m_resend_at.reset();
        m_pipeline.resend(
            now, [this](std::uint64_t id, std::string_view data) { publish(id, data); });
    }
    check_overdue(now);
    return input;
}

void Client::check_overdue(Deadline now)
{
    if (m_pipeline.run_over(now))
        fail(Exit::Timeout,
            reqrep::run_timeout_message(
                m_options.address.text(), *m_options.deadline, m_pipeline.unanswered()));
    auto const id = m_pipeline.overdue(now);
    if (!id)
        return;
    if (m_pipeline.lost() == reqrep::Pipeline::Retry::Resend) {
        m_pipeline.resend(
            now, [this](std::uint64_t again, std::string_view data) { publish(again, data); });
        return;
    }
    fail(Exit::Timeout,
        reqrep::request_timeout_message(m_options.address.text(), *id, *m_options.timeout));
}

void Client::take_replies()
{
    auto const now = Clock::now();
    for (auto const& received : m_inbox.take())
        take(received.message.get(), now);
}

void Client::take(natsMsg* message, Deadline now)
{
    auto const& nats = api();
    if (nats.natsMsg_IsNoResponders(message)) {
        no_responders(now);
        return;
    }
    auto const id = request_id(nats.natsMsg_GetSubject(message), m_reply_prefix);
    if (!id)
        return; // Not an answer of ours.
    m_wait_until.reset(); // Someone serves the name.
    auto const size = static_cast<std::size_t>(nats.natsMsg_GetDataLength(message));
    if (size > m_options.max_size)
        fail(Exit::IoError,
            fmt::format("{}: a reply of {} bytes is longer than --max-size ({} bytes)",
                m_options.address.text(), size, m_options.max_size),
            "raise --max-size");
    // NotWaiting: a duplicate, or a late reply to a request sent again; dropped.
    m_pipeline.take(
        *id, !is_error(message), std::string_view(nats.natsMsg_GetData(message), size), now);
}

void Client::no_responders(Deadline now)
{
    if (m_pipeline.unanswered() == 0 || m_resend_at)
        return; // Answered meanwhile, or a resend is due already.
    if (m_options.wait && !m_wait_until)
        m_wait_until = now + *m_options.wait;
    if (m_wait_until && now < *m_wait_until) {
        m_resend_at = std::min(now + no_responders_retry, *m_wait_until);
        return;
    }
    fail(Exit::Unavailable,
        fmt::format("{}: no server serves it on {}", m_options.address.text(), m_connection.url()),
        m_options.wait ? "none appeared within --wait"
                       : "start one with 'ipc-serve NAME', or wait for one with --wait D");
}

}
