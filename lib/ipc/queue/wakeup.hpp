#pragma once

// The local queue's Waiter, wake-ups without polling: each waiting consumer
// listens on its own socket in runtime_dir()/queue/NAME/; after a commit, a
// producer connects to each one (ring()), which makes the waiter's socket
// readable within microseconds.

#include "ipc/core/fd.hpp"
#include "ipc/queue/queue.hpp"

#include <string>

namespace ipc::queue {

class Doorbell final : public Waiter {
public:
    // Registers a socket for queue name (validated). Register before the
    // first look at the queue, so that no push between the two is missed.
    explicit Doorbell(std::string const& name);
    ~Doorbell() override; // Unregisters.

    Doorbell(Doorbell const&) = delete;
    Doorbell& operator=(Doorbell const&) = delete;

    // Readable when somebody rang; then call rearm().
    int fd() const override { return m_socket.get(); }
    // Accepts and closes every pending ring.
    void rearm() noexcept override;

private:
    Fd m_dir;
    Fd m_socket;
    std::string m_file;
};

// Wakes every waiter of queue name. Removes sockets whose owner is gone.
// Never throws: a missed wake-up is caught by the waiters' fallback timer.
void ring(std::string const& name) noexcept;

}
