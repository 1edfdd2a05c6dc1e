#include "ipc/queue/wakeup.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ipc::queue {

namespace {

std::string bell_dir(std::string const& name, Create create)
{
    return runtime_subdir("queue/" + name, create);
}

}

Doorbell::Doorbell(std::string const& name)
{
    auto const dir = bell_dir(name, Create::Yes);
    m_dir.reset(sys::check(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", dir));
    static std::atomic<unsigned> serial { 0 };
    m_file = fmt::format("{}-{}.sock", ::getpid(), serial++);
    ::unlinkat(m_dir.get(), m_file.c_str(), 0); // Left by a dead process with our pid.
    m_socket = io::listen_unix(m_dir.get(), m_file, dir + '/' + m_file);
}

Doorbell::~Doorbell()
{
    ::unlinkat(m_dir.get(), m_file.c_str(), 0);
}

void Doorbell::rearm() noexcept
{
    while (true) {
        int const peer = ::accept4(m_socket.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (peer < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        ::close(peer);
    }
}

void ring(std::string const& name) noexcept
{
    try {
        auto const dir = bell_dir(name, Create::No);
        Fd dir_fd { ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
        if (!dir_fd)
            return; // Nobody ever waited.
        for (auto const& id : io::registered_ids(dir_fd.get(), dir)) {
            auto const file = id + ".sock";
            int error = 0;
            auto connection = io::try_connect_unix(dir_fd.get(), file, io::Blocking::No, error);
            if (!connection && (error == ECONNREFUSED || error == ENOENT))
                ::unlinkat(dir_fd.get(), file.c_str(), 0); // Its waiter died.
        }
    } catch (...) {
        // A missed wake-up costs latency only; see the header.
    }
}

}
