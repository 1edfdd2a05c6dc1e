// The server's rounds: resume, tick the handler, flush, decide whether the
// drain starts or is over (every reply written, every handler process
// ended), then wait until the earliest of the transport's
// and the handler's deadlines. A signal that comes while one was already
// seen is the second: the server exits with what is left unanswered.

#include "ipc/reqrep/dispatcher.hpp"

#include "ipc/core/log.hpp"
#include "ipc/io/stop.hpp"

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
            m_transport.deliver(job, status, data);
        });
}

void Dispatcher::submit(Job const& job, std::string_view data)
{
    ++m_taken;
    m_handler->submit(job, data);
    if (m_count && m_taken >= *m_count)
        begin_drain();
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
