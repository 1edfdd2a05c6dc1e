#pragma once

// Which subscribers a local publisher can reach: the registrations in
// $IPC_DIR/sub, read once at the start and, once the publisher waits (for
// input, or for subscribers), kept up to date from an inotify watch.

#include "ipc/io/watch.hpp"
#include "ipc/pubsub/local_registry.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ipc::pubsub {

class Discovery {
public:
    Discovery(); // Reads the registrations.

    LocalRegistry const& registry() const { return m_registry; }
    std::map<std::string, Registration> const& registrations() const { return m_registrations; }

    // Starts watching, once (one-shot publishers need no watch), and reads
    // again whoever registered before the watch began. True when it started.
    bool watch();
    // The watch's fd, to wait on, or -1 before watch().
    int fd() const { return m_watch ? m_watch->fd() : -1; }
    // Reads the watch's news; true when a registration came or changed.
    bool refresh();

    // A registration that refused a connection or was gone: forgotten at the
    // next forget_stale(), once no loop walks registrations().
    void mark_stale(std::string const& id) { m_stale.push_back(id); }
    void forget_stale();

private:
    void scan();

    LocalRegistry m_registry;
    std::unique_ptr<io::DirWatch> m_watch;
    std::map<std::string, Registration> m_registrations;
    std::vector<std::string> m_stale;
};

}
