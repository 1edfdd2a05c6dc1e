#include "ipc/nats/census.hpp"

#include "ipc/core/sys.hpp"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

namespace ipc::nats {

std::string random_id()
{
    std::uint64_t value = 0;
    if (::getrandom(&value, sizeof(value), 0) != sizeof(value))
        value = static_cast<std::uint64_t>(::getpid()) << 32
            ^ static_cast<std::uint64_t>(::time(nullptr));
    return fmt::format("{:016x}", value);
}

void CensusAnswer::on_request(
    natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept
{
    auto const& nats = api();
    auto const* answer = static_cast<CensusAnswer*>(closure);
    std::string_view const topic(nats.natsMsg_GetData(message),
        static_cast<std::size_t>(nats.natsMsg_GetDataLength(message)));
    bool matches = topic.empty();
    for (auto const& pattern : answer->patterns)
        matches = matches || pattern.matches(topic);
    auto const& text = answer->answer.empty() ? answer->id : answer->answer;
    if (char const* reply = nats.natsMsg_GetReply(message); reply && matches)
        nats.natsConnection_Publish(
            answer->connection, reply, text.data(), static_cast<int>(text.size()));
    nats.natsMsg_Destroy(message);
}

CensusTally::CensusTally()
    : m_event_fd(sys::check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "for a census"))
{
}

void CensusTally::on_message(
    natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept
{
    auto const& nats = api();
    auto* tally = static_cast<CensusTally*>(closure);
    std::string_view const subject = nats.natsMsg_GetSubject(message);
    std::string const data(nats.natsMsg_GetData(message),
        static_cast<std::size_t>(nats.natsMsg_GetDataLength(message)));
    nats.natsMsg_Destroy(message);
    {
        std::lock_guard lock(tally->m_mutex);
        if (subject == hello_subject)
            tally->m_hello = true;
        else if (!data.empty())
            tally->m_ids.insert(data);
        else // The server's "no responders" status.
            tally->m_no_responders = true;
    }
    std::uint64_t const one = 1;
    (void)!::write(tally->m_event_fd.get(), &one, sizeof(one));
}

bool CensusTally::take_hello()
{
    std::uint64_t count = 0;
    (void)!::read(m_event_fd.get(), &count, sizeof(count));
    std::lock_guard lock(m_mutex);
    return std::exchange(m_hello, false);
}

std::size_t CensusTally::answers()
{
    std::lock_guard lock(m_mutex);
    return m_ids.size();
}

std::vector<std::string> CensusTally::answer_texts()
{
    std::lock_guard lock(m_mutex);
    return { m_ids.begin(), m_ids.end() };
}

bool CensusTally::no_responders()
{
    std::lock_guard lock(m_mutex);
    return m_no_responders;
}

void ServerCensusAnswer::on_request(
    natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept
{
    auto const& nats = api();
    auto* answer = static_cast<ServerCensusAnswer*>(closure);
    std::string_view const name(nats.natsMsg_GetData(message),
        static_cast<std::size_t>(nats.natsMsg_GetDataLength(message)));
    char const* reply = nats.natsMsg_GetReply(message);
    if (reply && (name.empty() || name == answer->name)) {
        // Not noexcept: formatting allocates. Out of memory, no answer.
        try {
            auto const text = encode_server_answer(answer->id,
                { .name = answer->name,
                    .pid = ::getpid(),
                    .uid = ::getuid(),
                    .since_ns = answer->since_ns,
                    .served = answer->served.load(std::memory_order_relaxed) });
            nats.natsConnection_Publish(
                answer->connection, reply, text.data(), static_cast<int>(text.size()));
        } catch (std::exception const&) { // A catch site of its own: cnats' thread must not throw.
        }
    }
    nats.natsMsg_Destroy(message);
}

}
