#pragma once

// The brokerless subscriber: registers in $IPC_DIR/sub, accepts publishers
// on its own socket, and decodes their batched frames without copying when
// it can. Keeps its registration fresh, and removes it on destruction.

#include "ipc/io/loop.hpp"
#include "ipc/pubsub/local_registry.hpp"
#include "ipc/pubsub/subscriber.hpp"
#include "ipc/wire/decoder.hpp"

#include <deque>
#include <memory>
#include <vector>

namespace ipc::pubsub {

class LocalSubscriber final : public Subscriber {
public:
    LocalSubscriber(std::vector<Pattern> const& patterns, SubscribeOptions const& options);
    ~LocalSubscriber() override;

    std::optional<MessageView> receive(Stop& stop, std::function<void()> const& on_idle) override;
    std::optional<MessageView> receive_run(Stop& stop, std::function<void()> const& on_idle,
        char delimiter, std::uint64_t most, Run& run) override;

private:
    struct Connection;

    bool next_from(Connection& connection, MessageView& message);
    void read_from(Connection& connection);
    void close(Connection& connection, std::string const& why);
    void accept_all();
    void watch_stop(Stop& stop);
    // Dispatches what is ready by deadline (a passed one does not block).
    void wait(Deadline deadline);
    void refresh();

    SubscribeOptions m_options;
    LocalRegistry m_registry;
    Registration m_registration;
    Fd m_listener;
    io::Loop m_loop; // The listener, the publishers, the first Stop's signalfd and output.
    Stop* m_stop = nullptr; // The current receive()'s, which the handlers tell.
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::deque<Connection*> m_ready; // Readable, in the order they became so.
    Connection* m_current = nullptr; // Whose frames are being handed out.
    std::deque<Message> m_retained;
    Message m_held; // The retained message handed out last.
    bool m_from_batch = false; // The last message came from m_current's frame.
    Deadline m_next_refresh;
};

}
