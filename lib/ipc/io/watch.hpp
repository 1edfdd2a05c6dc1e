#pragma once

// inotify on one directory: tells when entries appear (a subscriber
// registered) without polling.

#include "ipc/core/fd.hpp"

#include <string>
#include <vector>

namespace ipc::io {

class DirWatch {
public:
    // Watches dir for files created or moved in (non-blocking fd).
    explicit DirWatch(std::string const& dir);

    int fd() const { return m_fd.get(); }

    // Reads pending events; returns the names that appeared (may be empty).
    std::vector<std::string> drain();

private:
    Fd m_fd;
};

}
