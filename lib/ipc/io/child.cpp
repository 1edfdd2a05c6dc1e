// Our own spawn, made the way glibc's posix_spawn() is made inside: clone()
// with CLONE_VM | CLONE_VFORK, so no page tables are copied and we wait only
// until the child has called execve. posix_spawn() itself cannot set a
// parent-death signal nor close our other descriptors. The child runs on a
// stack of its own but shares our memory, so it makes system calls only:
// everything it needs is prepared beforehand, and a failure comes back
// through that shared memory. The PATH search is ours, and a script without
// a #! line runs under /bin/sh, as execvp() would run it.

#include "ipc/io/child.hpp"

#include "ipc/core/sys.hpp"

#include <array>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ipc::io {

namespace {

// What the child needs, and what it reports when it fails.
struct Plan {
    char const* program = nullptr;
    char* const* argv = nullptr;
    char* const* sh_argv = nullptr; // /bin/sh PROGRAM ARGS...: for a script without #!.
    char* const* envp = nullptr;
    std::array<int, 3> fds {}; // Onto 0, 1 and 2; -1: /dev/null.
    pid_t parent = 0;
    int error = 0; // Set by the child before it exits, with:
    char const* failed = nullptr; // the call that failed.
};

// Back to their defaults in the child: those we ignore (SIGPIPE; SIGXFSZ in
// the queue store) and those we block to read them from a signalfd.
constexpr std::array<int, 4> default_signals { SIGPIPE, SIGINT, SIGTERM, SIGXFSZ };

[[noreturn]] void fail(Plan& plan, char const* call)
{
    plan.error = errno;
    plan.failed = call;
    ::_exit(127);
}

// Our descriptors onto 0, 1 and 2. A source that is itself one of them,
// but not its own target, is moved out of the way first. In the child.
__attribute__((no_sanitize("address"))) void set_standard_fds(Plan& plan)
{
    auto fds = plan.fds;
    for (int target = 0; target < 3; ++target) {
        auto& from = fds[static_cast<std::size_t>(target)];
        if (from >= 0 && from < 3 && from != target && (from = ::fcntl(from, F_DUPFD, 3)) < 0)
            fail(plan, "fcntl");
    }
    for (int target = 0; target < 3; ++target) {
        int from = fds[static_cast<std::size_t>(target)];
        if (from == target) {
            ::fcntl(target, F_SETFD, 0); // Kept across execve (closed if ours is).
            continue;
        }
        bool const null = from < 0;
        if (null && (from = ::open("/dev/null", O_RDWR)) < 0)
            fail(plan, "open /dev/null");
        if (from != target && ::dup2(from, target) < 0)
            fail(plan, "dup2");
        if (null && from != target)
            ::close(from);
    }
}

// The child, on its own stack in our memory: system calls only. Not
// instrumented by ASan, whose bookkeeping of our stack it would upset.
__attribute__((no_sanitize("address"))) int start(void* argument)
{
    auto& plan = *static_cast<Plan*>(argument);
    // First, so that a parent killed from now on takes the child along; one
    // killed before is noticed next.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail(plan, "prctl");
    if (::getppid() != plan.parent)
        ::_exit(127); // Nobody left to run for.
    // No handler of ours may run in here: caught signals go back to their
    // default (ignored ones stay ignored, as across execve, but for ours).
    // Every signal stays blocked until just before execve.
    for (int signal = 1; signal < NSIG; ++signal) {
        struct sigaction action { };
        if (::sigaction(signal, nullptr, &action) != 0)
            continue; // SIGKILL, SIGSTOP, glibc's own.
        bool ours = false;
        for (int const other : default_signals)
            ours = ours || other == signal;
        if (!ours && (action.sa_handler == SIG_DFL || action.sa_handler == SIG_IGN))
            continue;
        action = {};
        action.sa_handler = SIG_DFL;
        ::sigaction(signal, &action, nullptr);
    }
    if (::setpgid(0, 0) != 0)
        fail(plan, "setpgid");
    set_standard_fds(plan);
    ::closefrom(3); // No socket, listener or file of ours leaks into a handler.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(plan.program, plan.argv, plan.envp);
    if (errno == ENOEXEC)
        ::execve("/bin/sh", plan.sh_argv, plan.envp);
    fail(plan, "execve");
}

// A pipe, close-on-exec both ends: the child's end is duplicated onto 0, 1 or 2.
std::array<Fd, 2> make_pipe()
{
    int ends[2];
    sys::check(::pipe2(ends, O_CLOEXEC), "pipe2");
    return { Fd { ends[0] }, Fd { ends[1] } };
}

bool runnable(std::string const& path, int& error)
{
    struct stat status { };
    if (::stat(path.c_str(), &status) != 0) {
        error = errno;
        return false;
    }
    if (!S_ISREG(status.st_mode) || ::access(path.c_str(), X_OK) != 0) {
        error = EACCES;
        return false;
    }
    return true;
}

}

std::optional<std::string> find_program(std::string const& name, int& error)
{
    if (name.find('/') != name.npos)
        return runnable(name, error) ? std::optional(name) : std::nullopt;
    char const* path = ::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/bin:/usr/bin"; // glibc's default.
    int found = ENOENT;
    while (true) {
        auto const colon = dirs.find(':');
        auto const dir = dirs.substr(0, colon);
        auto file = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
        int why = 0;
        if (runnable(file, why))
            return file;
        if (why == EACCES)
            found = EACCES; // Only files we may not run, so far.
        if (colon == dirs.npos) {
            error = found;
            return std::nullopt;
        }
        dirs.remove_prefix(colon + 1);
    }
}

std::string require_program(std::string const& name)
{
    int error = 0;
    auto program = find_program(name, error);
    if (!program)
        throw Error(Exit::Usage, fmt::format("{}: command not found or not executable", name),
            "give the handler's path, or fix PATH");
    return std::move(*program);
}

Child::Child(Spawn const& spawn)
{
    if (spawn.argv.empty())
        throw Error(Exit::Usage, "no command to run");
    auto const program = require_program(spawn.argv[0]);
    std::vector<char*> argv;
    for (auto const& arg : spawn.argv)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> sh_argv { const_cast<char*>("/bin/sh"), const_cast<char*>(program.c_str()) };
    sh_argv.insert(sh_argv.end(), argv.begin() + 1, argv.end());
    std::vector<char*> envp;
    for (char** entry = environ; *entry; ++entry)
        envp.push_back(*entry);
    for (auto const& entry : spawn.environment)
        envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);

    Plan plan { .program = program.c_str(),
        .argv = argv.data(),
        .sh_argv = sh_argv.data(),
        .envp = envp.data(),
        .fds = { spawn.stdin_fd, spawn.stdout_fd, spawn.stderr_fd },
        .parent = ::getpid() };
    std::array<Fd, 2> input, output, errors; // Read and write ends, when piped.
    if (spawn.pipe_stdin) {
        input = make_pipe();
        plan.fds[0] = input[0].get();
    }
    if (spawn.capture_stdout) {
        output = make_pipe();
        plan.fds[1] = output[1].get();
    }
    if (spawn.capture_stderr) {
        errors = make_pipe();
        plan.fds[2] = errors[1].get();
    }

    // The child starts with every signal blocked; we wait for it on our
    // stack, below which it runs.
    alignas(16) std::array<char, 64 * 1024> stack;
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    int pid_fd = -1;
    m_pid = ::clone(start, stack.data() + stack.size(),
        CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &plan, &pid_fd);
    int const clone_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (m_pid < 0)
        sys::fail("clone", {}, clone_error);
    m_pid_fd.reset(pid_fd);
    if (plan.failed) {
        wait();
        if (std::strcmp(plan.failed, "execve") == 0)
            throw Error(Exit::Usage,
                fmt::format("{}: cannot run: {}", spawn.argv[0], std::strerror(plan.error)));
        sys::fail(fmt::format("{}: {}", spawn.argv[0], plan.failed), {}, plan.error);
    }
    m_stdin = std::move(input[1]);
    m_stdout = std::move(output[0]);
    m_stderr = std::move(errors[0]);
}

Child::Child(Child&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1))
    , m_reaped(other.m_reaped)
    , m_status(other.m_status)
    , m_pid_fd(std::move(other.m_pid_fd))
    , m_stdin(std::move(other.m_stdin))
    , m_stdout(std::move(other.m_stdout))
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
