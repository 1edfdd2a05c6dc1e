#pragma once

// One run of a command on one input: the engine under ipc-serve's exec mode
// and `ipc-queue work`. The input is the child's stdin, from an anonymous
// file (memfd): nothing to feed while it runs, so a command that never
// reads cannot block us. Its stdout is captured up to a limit (one byte
// more kills it) or goes to a descriptor; the tail of its stderr is kept
// for its error; past its timeout its whole process group is killed. The
// owner watches exit_fd(), stdout_fd() and stderr_fd() in its own loop
// and calls the matching read or try_wait when one is ready.

#include "ipc/core/parse.hpp"
#include "ipc/io/child.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::io {

// The bytes of a command's stderr kept to explain its failure.
inline constexpr std::size_t stderr_tail = 4096;

struct JobSpec {
    std::vector<std::string> argv {}; // Run without a shell; argv[0] looked up in PATH.
    std::vector<std::string> environment {}; // "NAME=value" entries added to ours.
    std::string_view input {}; // Its stdin.
    std::optional<char> terminator {}; // Appended to input when set (a line's newline).
    // Keep its stdout, up to this many bytes: a longer one is killed. When
    // not set, its stdout is stdout_fd.
    std::optional<std::size_t> capture_stdout {};
    int stdout_fd = 1;
    std::optional<Duration> timeout {}; // Then its process group is killed.
    // Given each piece of its stderr as it is read (the tail is kept all the same).
    std::function<void(std::string_view)> on_stderr {};
};

class Job {
public:
    using Clock = std::chrono::steady_clock;
    enum class Stopped { No, TimedOut, TooLong };

    // Starts it. Throws as Child does: Error(Usage) when argv[0] cannot be
    // run, SystemError when out of descriptors, processes or memory.
    explicit Job(JobSpec const& spec);

    // What to watch: readable when it exited; its stdout pipe (-1 when not
    // captured) and stderr pipe while they are open.
    int exit_fd() const { return m_child.exit_fd(); }
    int stdout_fd() const { return m_child.stdout_fd(); }
    int stderr_fd() const { return m_child.stderr_fd(); }
    bool stdout_open() const { return m_reading_stdout; }
    bool stderr_open() const { return m_reading_stderr; }

    // Read what the pipe holds now. False once it has ended (or its output
    // was too long): stop watching it.
    bool read_stdout();
    bool read_stderr();

    // When it will be killed for running too long; nullopt: never, or it
    // was stopped already.
    std::optional<Clock::time_point> deadline() const;
    // Kills it when its deadline has passed; true when this call did.
    bool check_deadline(Clock::time_point now);

    // Its wait status once it exited (then both pipes are read to their
    // end); nullopt while it runs.
    std::optional<int> try_wait();

    Stopped stopped() const { return m_stopped; }
    // Its stdout, when captured (empty when it was too long).
    std::string& output() { return m_output; }
    // The last stderr_tail bytes of its stderr, and whether more came before.
    std::string_view errors() const;
    bool errors_cut() const { return m_errors_cut; }

    pid_t pid() const { return m_child.pid(); }

private:
    Child m_child;
    std::optional<std::size_t> m_output_limit;
    std::optional<Clock::time_point> m_deadline;
    std::string m_output;
    std::string m_errors;
    std::function<void(std::string_view)> m_on_stderr;
    bool m_reading_stdout = false;
    bool m_reading_stderr = true;
    bool m_errors_cut = false;
    Stopped m_stopped = Stopped::No;
};

}
