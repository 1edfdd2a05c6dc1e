// posix_spawn(): glibc starts the child with clone(CLONE_VM | CLONE_VFORK),
// so no page tables are copied, and reports an exec failure as its return
// value, so the parent can report it as an error. The PATH search is ours,
// to run a script without a #! line under /bin/sh as execvp() would (glibc's
// posix_spawnp() does not).

#include "ipc/io/child.hpp"

#include "ipc/io/sys.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ipc::io {

namespace {

// What the child gets: its own process group, the signals we ignore
// (SIGPIPE; SIGXFSZ in the queue store) or handle back at their defaults,
// no signal blocked, and its stdin, stdout and stderr.
class Attributes {
public:
    Attributes()
    {
        posix_spawnattr_init(&m_attributes);
        posix_spawn_file_actions_init(&m_actions);
    }
    ~Attributes()
    {
        posix_spawn_file_actions_destroy(&m_actions);
        posix_spawnattr_destroy(&m_attributes);
    }
    Attributes(Attributes const&) = delete;
    Attributes& operator=(Attributes const&) = delete;

    void set(Spawn const& spawn, int stderr_write)
    {
        sigset_t defaults, none;
        sigemptyset(&defaults);
        for (int const signal : { SIGPIPE, SIGINT, SIGTERM, SIGXFSZ })
            sigaddset(&defaults, signal);
        sigemptyset(&none);
        check(posix_spawnattr_setflags(
            &m_attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
        check(posix_spawnattr_setpgroup(&m_attributes, 0));
        check(posix_spawnattr_setsigdefault(&m_attributes, &defaults));
        check(posix_spawnattr_setsigmask(&m_attributes, &none));
        redirect(spawn.stdin_fd, 0);
        redirect(spawn.stdout_fd, 1);
        if (stderr_write >= 0)
            redirect(stderr_write, 2);
        else if (spawn.stderr_fd != 2)
            redirect(spawn.stderr_fd, 2);
    }

    posix_spawnattr_t const* attributes() const { return &m_attributes; }
    posix_spawn_file_actions_t const* actions() const { return &m_actions; }

private:
    // from onto to; -1: /dev/null. A descriptor already there loses its
    // close-on-exec flag (POSIX, glibc 2.29).
    void redirect(int from, int to)
    {
        if (from < 0)
            check(posix_spawn_file_actions_addopen(&m_actions, to, "/dev/null", O_RDWR, 0));
        else
            check(posix_spawn_file_actions_adddup2(&m_actions, from, to));
    }
    static void check(int error)
    {
        if (error != 0)
            sys::fail("posix_spawn", {}, error);
    }

    posix_spawnattr_t m_attributes;
    posix_spawn_file_actions_t m_actions;
};

// The file execvp() would run for name: name itself when it has a slash,
// otherwise the first executable regular file of that name in $PATH. Sets
// error (ENOENT, or EACCES when only files we may not run were found).
std::optional<std::string> find_program(std::string const& name, int& error)
{
    if (name.find('/') != name.npos)
        return name;
    char const* path = ::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/bin:/usr/bin"; // glibc's default.
    error = ENOENT;
    while (true) {
        auto const colon = dirs.find(':');
        auto const dir = dirs.substr(0, colon);
        auto file = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
        struct stat status { };
        if (::stat(file.c_str(), &status) == 0 && S_ISREG(status.st_mode)) {
            if (::access(file.c_str(), X_OK) == 0)
                return file;
            error = EACCES;
        }
        if (colon == dirs.npos)
            return std::nullopt;
        dirs.remove_prefix(colon + 1);
    }
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

    int errors[2] = { -1, -1 };
    if (spawn.capture_stderr)
        sys::check(::pipe2(errors, O_CLOEXEC), "pipe2");
    Fd errors_write { errors[1] };
    m_stderr.reset(errors[0]);

    Attributes attributes;
    attributes.set(spawn, errors_write.get());
    int error = 0;
    auto const program = find_program(spawn.argv[0], error);
    if (program) {
        error = ::posix_spawn(&m_pid, program->c_str(), attributes.actions(),
            attributes.attributes(), argv.data(), envp.data());
        if (error == ENOEXEC) { // No #! line: a shell script.
            argv[0] = const_cast<char*>(program->c_str());
            argv.insert(argv.begin(), const_cast<char*>("/bin/sh"));
            error = ::posix_spawn(&m_pid, argv[0], attributes.actions(), attributes.attributes(),
                argv.data(), envp.data());
        }
    }
    if (error != 0) {
        m_pid = -1;
        throw Error(
            Exit::Usage, fmt::format("{}: cannot run: {}", spawn.argv[0], std::strerror(error)));
    }
    errors_write.reset();
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
