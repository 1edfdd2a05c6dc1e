// The server's rounds: resume, tick the handler, flush, decide whether the
// drain starts or is over (every reply written, every handler process
// ended), then wait until the earliest of the transport's
// and the handler's deadlines. A signal that comes while one was already
// seen is the second: the server exits with what is left unanswered.

#include "ipc/reqrep/dispatcher.hpp"

#include "ipc/core/log.hpp"
#include "ipc/io/stop.hpp"

#include <algorithm>
#include <functional>

namespace ipc::reqrep {

Dispatcher::Dispatcher(std::unique_ptr<Handler> handler, std::optional<std::uint64_t> count,
    Stop& stop, Transport& transport)
    : m_handler(std::move(handler))
    , m_count(count)
    , m_stop(stop)
    , m_transport(transport)
    , m_loop(stop)
{
    m_handler->attach(
        m_loop, [this](Job const& job, wire::ReplyStatus status, std::string_view data) {
            if (!m_watched.empty())
                replied(job, status, data);
            m_transport.deliver(job, status, data);
        });
    m_handler->on_start([this](Job const& job) {
        auto const found = m_watched.find(job.number);
        if (found != m_watched.end())
            for (auto const& observer : m_observers)
                observer->started(found->second.exchange);
    });
}

void Dispatcher::watch(ServerOptions const& options)
{
    m_observers = options.observers;
    if (options.verbose)
        m_observers.push_back(make_verbose_log(options.address.text()));
    for (auto const& observer : m_observers)
        observer->attach(m_loop);
}

void Dispatcher::submit(Job job, std::string_view data)
{
    job.number = ++m_taken;
    for (auto const& observer : m_observers) {
        if (!observer->active())
            continue;
        auto [found, added] = m_watched.try_emplace(job.number);
        auto& watched = found->second;
        if (added)
            watched = { { job.number, m_transport.client(job), data.size(),
                            std::chrono::steady_clock::now() },
                job.connection };
        observer->request(watched.exchange, data);
    }
    m_handler->submit(job, data);
    if (m_count && m_taken >= *m_count)
        begin_drain();
}

void Dispatcher::replied(Job const& job, wire::ReplyStatus status, std::string_view data)
{
    auto const found = m_watched.find(job.number);
    if (found == m_watched.end())
        return;
    for (auto const& observer : m_observers)
        if (observer->active())
            observer->reply(found->second.exchange, status, data);
    m_watched.erase(found);
}

void Dispatcher::cancel(std::uint64_t connection)
{
    auto const before = m_handler->in_flight();
    m_handler->cancel(connection);
    auto const dropped = before - m_handler->in_flight();
    if (dropped == 0 || m_watched.empty())
        return;
    // A handler takes a client's requests in order: those it dropped are
    // the client's latest, and will never be answered.
    std::vector<std::uint64_t> numbers;
    for (auto const& [number, watched] : m_watched)
        if (watched.connection == connection)
            numbers.push_back(number);
    std::sort(numbers.begin(), numbers.end(), std::greater<>());
    for (std::size_t i = 0; i < numbers.size() && i < dropped; ++i)
        m_watched.erase(numbers[i]);
}

void Dispatcher::begin_drain()
{
    if (m_draining)
        return;
    m_draining = true;
    m_transport.drain();
    m_handler->drain();
}

Exit Dispatcher::run()
{
    bool forced = false;
    while (true) {
        m_transport.resume();
        m_handler->tick();
        m_transport.flush();
        for (auto const& observer : m_observers)
            observer->flush();
        if (m_stop.signal() != 0 || m_handler->finished())
            begin_drain();
        if (m_draining && m_handler->in_flight() == 0 && !m_transport.writing()
            && !m_handler->ending())
            return Exit::Ok;
        if (forced) {
            warn("a second signal: exiting with {} requests unanswered", m_handler->in_flight());
            return m_stop.interrupted_exit();
        }
        auto deadline = m_draining ? std::nullopt : m_transport.upkeep();
        if (auto const handler = m_handler->deadline())
            deadline = deadline ? std::min(*deadline, *handler) : *handler;
        bool const signalled = m_stop.signal() != 0;
        forced = m_loop.run_once(deadline) == io::Loop::Result::Stopped && signalled;
    }
}

}
