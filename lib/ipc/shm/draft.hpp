#pragma once

// A segment being built under a temporary name (ipc-<uid>-NAME~PID.RANDOM,
// which is never a valid name) and then moved into place whole, so that no
// opener ever sees it half made.

#include "ipc/core/fd.hpp"
#include "ipc/shm/segment.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace ipc::shm {

// The destructor removes the file unless it was committed; the next draft of
// NAME removes those left by processes that died (a put killed with SIGKILL).
class Draft {
public:
    Draft(Store const& store, std::string_view name, mode_t mode);
    Draft(Draft const&) = delete;
    Draft& operator=(Draft const&) = delete;
    ~Draft();

    int fd() const { return m_fd.get(); }
    std::string const& temp_path() const { return m_temp; }

    // Replaces NAME atomically (rename(2)): openers see the old or the new one.
    void commit_replace();
    // Renames the draft to NAME only if NAME does not exist; false if it does.
    bool commit_create();

private:
    std::string m_temp;
    std::string m_final;
    Fd m_fd;
    bool m_committed = false;
};

}
