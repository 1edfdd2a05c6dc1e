#pragma once

// Which subscribers a local publisher can reach. For a topic it reads the
// registrations filed in the index under that topic's keys (index_keys), not
// all of them; once the publisher waits (for input, or for subscribers), an
// inotify watch on $IPC_DIR/sub tells it of each subscriber that registers
// later, and a key read once stays current.

#include "ipc/io/watch.hpp"
#include "ipc/pubsub/local_registry.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ipc::pubsub {

class Discovery {
public:
    LocalRegistry const& registry() const { return m_registry; }

    // The registrations that match topic, in id order. The pointers stay
    // valid until forget_stale().
    std::vector<Registration const*> matching(std::string_view topic);
    // Every registration, for a publisher of any topic: reads them all.
    std::vector<Registration const*> all();

    // Starts watching, once (one-shot publishers need no watch); the index
    // is read again at the next look-up, for whoever registered before the
    // watch began. True when it started.
    bool watch();
    // The watch's fd, to wait on, or -1 before watch().
    int fd() const { return m_watch ? m_watch->fd() : -1; }
    // Reads the watch's news; true when a registration came or changed.
    bool refresh();

    // A registration that refused a connection or was gone: forgotten at the
    // next forget_stale(), once no loop walks what matching() returned.
    void mark_stale(std::string const& id) { m_stale.push_back(id); }
    void forget_stale();

private:
    void learn(Registration registration);
    void forget(std::string const& id);

    LocalRegistry m_registry;
    std::unique_ptr<io::DirWatch> m_watch;
    std::map<std::string, Registration> m_registrations; // Known ones, by id.
    std::map<std::string, std::set<std::string>> m_index; // Index key -> ids.
    std::set<std::string> m_read_keys; // Read since the watch began.
    bool m_read_all = false; // Every registration read since the watch began.
    std::vector<std::string> m_stale;
};

}
