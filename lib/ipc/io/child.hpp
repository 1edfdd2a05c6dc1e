#pragma once

// Child processes spawned without a shell: argv is executed as it is (PATH
// searched), in its own process group, with only stdin, stdout and stderr
// of our descriptors, SIGPIPE and the signal mask reset to their defaults
// (we ignore and block signals; a handler must not inherit that), and
// SIGKILL as its parent-death signal: it dies with the thread that started
// it, even when that thread's process is killed with SIGKILL. The destructor
// kills the group and reaps it, so no child outlives us by accident.

#include "ipc/core/fd.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ipc::io {

struct Spawn {
    std::vector<std::string> argv {}; // argv[0] is looked up in PATH.
    std::vector<std::string> environment {}; // "NAME=value" entries added to ours.
    int stdin_fd = -1; // Duplicated onto the child's stdin; -1: /dev/null.
    bool pipe_stdin = false; // Instead, give the parent a pipe to its stdin.
    int stdout_fd = 1; // Duplicated onto its stdout; -1: /dev/null.
    bool capture_stdout = false; // Instead, give the parent a pipe from its stdout.
    bool capture_stderr = false; // Give the parent a pipe from the child's stderr.
    int stderr_fd = 2; // Otherwise duplicated onto its stderr; -1: /dev/null.
};

class Child {
public:
    // Starts the child. Throws Error(Usage) naming argv[0] when it cannot be
    // executed (see require_program), SystemError for other failures
    // (out of descriptors or processes).
    explicit Child(Spawn const& spawn);
    ~Child(); // Kills the process group with SIGKILL unless reaped, then reaps.

    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    Child(Child const&) = delete;
    Child& operator=(Child const&) = delete;

    pid_t pid() const { return m_pid; }
    // Readable once the child has exited (a pidfd); then call try_wait().
    int exit_fd() const { return m_pid_fd.get(); }
    // The write end of the child's stdin and the read ends of its stdout
    // and stderr, when piped; -1 otherwise.
    int stdin_fd() const { return m_stdin.get(); }
    int stdout_fd() const { return m_stdout.get(); }
    int stderr_fd() const { return m_stderr.get(); }
    // Closes our end of its stdin: it reads end-of-file.
    void close_stdin() noexcept { m_stdin.reset(); }

    // The wait status once the child has exited; nullopt while it runs.
    std::optional<int> try_wait();
    // Blocks until the child exits; returns its wait status.
    int wait();
    // Sends signal to the child's whole process group. Never throws.
    void kill(int signal) noexcept;

private:
    pid_t m_pid = -1;
    bool m_reaped = false;
    int m_status = 0;
    Fd m_pid_fd;
    Fd m_stdin;
    Fd m_stdout;
    Fd m_stderr;
};

// The file execvp() would run for name: name itself when it has a slash,
// otherwise the first executable regular file of that name in $PATH.
// nullopt with error set (ENOENT, or EACCES when only files we may not run
// were found) when there is none.
std::optional<std::string> find_program(std::string const& name, int& error);

// The same, but throws Error(Usage) "NAME: command not found or not
// executable" when there is none: what Child throws for such a command.
std::string require_program(std::string const& name);

// "exit 3", "killed by SIGKILL": a wait status for messages.
std::string describe_status(int status);

}
