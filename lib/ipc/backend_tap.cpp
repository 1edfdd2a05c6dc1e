// Taps: reqrep's Observer over pubsub's local publisher (backend_tap.hpp).
// Here because it joins two modules of one layer.

#include "ipc/backend_tap.hpp"

#include "ipc/io/loop.hpp"
#include "ipc/pubsub/local_publisher.hpp"
#include "ipc/reqrep/tap.hpp"

#include <unistd.h>

namespace ipc {

namespace {

class Tap final : public reqrep::Observer {
public:
    Tap(std::string const& service, Stop& stop)
        : m_topic(reqrep::tap_topic(service))
        , m_publisher({ .overflow = pubsub::Overflow::Drop }, stop)
        , m_server(static_cast<std::uint64_t>(::getpid()))
    {
    }

    void attach(io::Loop& loop) override
    {
        loop.add(m_publisher.watch_subscribers(), EPOLLIN, [this](std::uint32_t) {
            if (m_publisher.refresh_subscribers())
                m_active = m_publisher.has_subscribers(m_topic);
        });
        m_active = m_publisher.has_subscribers(m_topic);
    }

    bool active() const override { return m_active; }

    void request(reqrep::Exchange const& exchange, std::string_view data) override
    {
        publish({ .kind = reqrep::TapEvent::Kind::Request,
                    .number = exchange.number,
                    .client = exchange.client },
            data);
    }

    void reply(
        reqrep::Exchange const& exchange, wire::ReplyStatus status, std::string_view data) override
    {
        publish({ .kind = reqrep::TapEvent::Kind::Reply,
                    .number = exchange.number,
                    .error = status != wire::ReplyStatus::Ok },
            data);
    }

    void flush() override
    {
        if (!m_dirty)
            return;
        m_dirty = false;
        m_publisher.flush(); // Under --drop: what a tap has no room for is dropped.
        m_active = m_publisher.has_subscribers(m_topic); // A tap that left shows now.
    }

private:
    void publish(reqrep::TapEvent event, std::string_view data)
    {
        event.server = m_server;
        event.sequence = ++m_sequence;
        auto const headers = reqrep::tap_headers(event);
        m_publisher.publish({ .data = data, .topic = m_topic, .headers = headers });
        m_dirty = true;
    }

    std::string m_topic;
    pubsub::LocalPublisher m_publisher;
    std::uint64_t m_server;
    std::uint64_t m_sequence = 0;
    bool m_active = false;
    bool m_dirty = false;
};

}

std::shared_ptr<reqrep::Observer> make_tap(std::string const& service, Stop& stop)
{
    return std::make_shared<Tap>(service, stop);
}

}
