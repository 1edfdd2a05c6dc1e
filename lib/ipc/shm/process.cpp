#include "ipc/shm/process.hpp"

#include "ipc/core/fd.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <string>
#include <string_view>
#include <unistd.h>

namespace ipc::shm {

namespace {

struct Stat {
    char state = '?';
    std::uint64_t start = 0;
};

// Reads /proc/PID/stat: "pid (comm) S ppid ... starttime ..."; the command may
// hold spaces and parentheses, so fields are counted after the last ')'.
bool read_stat(std::int32_t pid, Stat& out)
{
    char path[40];
    std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd)
        return false;
    char buffer[1024];
    auto const count = ::read(fd.get(), buffer, sizeof(buffer) - 1);
    if (count <= 0)
        return false;
    std::string_view text(buffer, static_cast<std::size_t>(count));
    auto const close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 >= text.size())
        return false;
    text.remove_prefix(close + 2); // Field 3, the state, comes first.
    out.state = text[0];
    for (int field = 3; field < 22; ++field) {
        auto const space = text.find(' ');
        if (space == std::string_view::npos)
            return false;
        text.remove_prefix(space + 1);
    }
    auto const end = text.find(' ');
    auto const digits = text.substr(0, end);
    return std::from_chars(digits.data(), digits.data() + digits.size(), out.start).ec
        == std::errc {};
}

}

ProcessId self_process()
{
    auto const pid = static_cast<std::int32_t>(::getpid());
    return { pid, process_start(pid) };
}

std::uint64_t process_start(std::int32_t pid)
{
    Stat stat;
    return pid > 0 && read_stat(pid, stat) ? stat.start : 0;
}

bool alive(ProcessId process)
{
    if (process.pid <= 0)
        return false;
    if (::kill(process.pid, 0) != 0 && errno == ESRCH)
        return false;
    Stat stat;
    if (!read_stat(process.pid, stat))
        return ::kill(process.pid, 0) == 0 || errno != ESRCH; // No /proc: trust kill(2).
    // A zombie was killed already; its parent has just not reaped it yet.
    if (stat.state == 'Z' || stat.state == 'X')
        return false;
    return process.start == 0 || stat.start == process.start;
}

}
