// fork() and exec in the child; an exec failure travels back to the parent
// through a close-on-exec pipe, so the parent can report it as an error.

#include "ipc/io/child.hpp"

#include "ipc/io/sys.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ipc::io {

namespace {

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void run_child(Spawn const& spawn, std::vector<char*> const& argv,
    std::vector<char*> const& envp, int stderr_write, int report) noexcept
{
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int const null = ::open("/dev/null", O_RDWR);
    ::dup2(spawn.stdin_fd >= 0 ? spawn.stdin_fd : null, 0);
    ::dup2(spawn.stdout_fd >= 0 ? spawn.stdout_fd : null, 1);
    if (stderr_write >= 0)
        ::dup2(stderr_write, 2);
    else if (spawn.stderr_fd != 2)
        ::dup2(spawn.stderr_fd >= 0 ? spawn.stderr_fd : null, 2);
    ::execvpe(argv[0], argv.data(), envp.data());
    int const error = errno;
    [[maybe_unused]] auto const ignored = ::write(report, &error, sizeof(error));
    ::_exit(error == ENOENT ? 127 : 126);
}

}

Child::Child(Spawn const& spawn)
{
    if (spawn.argv.empty())
        throw Error(Exit::Usage, "no command to run");
    std::vector<char*> argv;
    for (auto const& arg : spawn.argv)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** entry = environ; *entry; ++entry)
        envp.push_back(*entry);
    for (auto const& entry : spawn.environment)
        envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);

    int report[2];
    sys::check(::pipe2(report, O_CLOEXEC), "pipe2");
    Fd report_read { report[0] }, report_write { report[1] };
    int errors[2] = { -1, -1 };
    if (spawn.capture_stderr)
        sys::check(::pipe2(errors, O_CLOEXEC), "pipe2");
    Fd errors_write { errors[1] };
    m_stderr.reset(errors[0]);

    m_pid = static_cast<pid_t>(sys::check(::fork(), "fork"));
    if (m_pid == 0)
        run_child(spawn, argv, envp, errors_write.get(), report_write.get());
    ::setpgid(m_pid, m_pid); // Also here, so kill() works before the child ran.
    report_write.reset();
    errors_write.reset();
    int error = 0;
    ssize_t got;
    while ((got = ::read(report_read.get(), &error, sizeof(error))) < 0 && errno == EINTR) { }
    if (got == sizeof(error)) {
        wait();
        throw Error(
            Exit::Usage, fmt::format("{}: cannot run: {}", spawn.argv[0], std::strerror(error)));
    }
    m_pid_fd.reset(static_cast<int>(sys::check(::syscall(SYS_pidfd_open, m_pid, 0), "pidfd_open")));
}

Child::Child(Child&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1))
    , m_reaped(other.m_reaped)
    , m_status(other.m_status)
    , m_pid_fd(std::move(other.m_pid_fd))
    , m_stderr(std::move(other.m_stderr))
{
}

Child::~Child()
{
    if (m_pid > 0 && !m_reaped) {
        kill(SIGKILL);
        wait();
    }
}

std::optional<int> Child::try_wait()
{
    if (m_reaped)
        return m_status;
    int status = 0;
    pid_t const done = ::waitpid(m_pid, &status, WNOHANG);
    if (done == m_pid) {
        m_reaped = true;
        m_status = status;
        return status;
    }
    return std::nullopt;
}

int Child::wait()
{
    while (!m_reaped) {
        int status = 0;
        if (::waitpid(m_pid, &status, 0) == m_pid) {
            m_reaped = true;
            m_status = status;
        } else if (errno != EINTR) {
            m_reaped = true; // Nothing left to wait for.
        }
    }
    return m_status;
}

void Child::kill(int signal) noexcept
{
    if (m_pid > 0 && !m_reaped)
        ::kill(-m_pid, signal);
}

std::string describe_status(int status)
{
    if (WIFEXITED(status))
        return fmt::format("exit {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return fmt::format("killed by {}",
            sigabbrev_np(WTERMSIG(status)) ? fmt::format("SIG{}", sigabbrev_np(WTERMSIG(status)))
                                           : std::to_string(WTERMSIG(status)));
    return fmt::format("wait status {}", status);
}

}
