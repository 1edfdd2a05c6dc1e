#include "ipc/io/watch.hpp"

#include "ipc/core/sys.hpp"

#include <array>
#include <cstring>
#include <sys/inotify.h>

namespace ipc::io {

DirWatch::DirWatch(std::string const& dir)
    : m_fd(sys::check(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1"))
{
    sys::check(::inotify_add_watch(m_fd.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB),
        "inotify_add_watch", dir);
}

std::vector<std::string> DirWatch::drain()
{
    std::vector<std::string> names;
    alignas(inotify_event) std::array<char, 16 * 1024> buffer;
    while (true) {
        auto const count = ::read(m_fd.get(), buffer.data(), buffer.size());
        if (count <= 0)
            break; // EAGAIN: drained. The fd never reports EOF.
        for (std::size_t at = 0; at < static_cast<std::size_t>(count);) {
            inotify_event event;
            std::memcpy(&event, buffer.data() + at, sizeof(event));
            if (event.len > 0)
                names.emplace_back(buffer.data() + at + sizeof(event));
            at += sizeof(event) + event.len;
        }
    }
    return names;
}

}
