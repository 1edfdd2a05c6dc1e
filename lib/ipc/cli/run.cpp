#include "ipc/cli/run.hpp"

#include "ipc/core/log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace ipc::cli {

namespace {

// A closed standard descriptor would be taken by the next file the tool opens
// (a signalfd on fd 0 was read as input, for ever). Hold each closed one with
// /dev/null opened the other way round, as glibc does for set-user-ID
// programs: the number is taken, and using it still fails with EBADF, as on
// a closed descriptor, so `ipc-queue pop q >&-` removes nothing. Children
// inherit it (no O_CLOEXEC), so none of theirs lands there either.
void hold_closed_standard_fds() noexcept
{
    for (int const fd : { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO })
        if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) // Open returns fd: 0..fd-1 are open.
            ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
}

// "ipc-sub: a.b: not a valid topic name (use letters, …)"
int report(std::string_view message, std::string_view hint, Exit exit)
{
    if (hint.empty())
        warn("{}", message);
    else
        warn("{} ({})", message, hint);
    return static_cast<int>(exit);
}

void flush_stdout()
{
    // A reader that went away (EPIPE) is not our failure; a full disk is.
    if (std::fflush(stdout) != 0 && errno != EPIPE)
        throw SystemError(
            Exit::IoError, fmt::format("write stdout: {}", std::strerror(errno)), errno);
}

}

int run(CLI::App& app, int argc, char** argv, std::function<Exit()> const& body)
{
    hold_closed_standard_fds();
    std::string const program = app.get_name();
    set_program_name(program);
    std::signal(SIGPIPE, SIG_IGN); // Writes report EPIPE; framing turns it into StdoutClosed.
    try {
        app.parse(argc, argv);
        Exit const exit = body();
        flush_stdout();
        return static_cast<int>(exit);
    } catch (CLI::Success const& e) { // --help and --version
        return app.exit(e);
    } catch (CLI::ParseError const& e) {
        return report(e.what(), fmt::format("try '{} --help'", program), Exit::Usage);
    } catch (StdoutClosed const&) {
        return static_cast<int>(Exit::Ok);
    } catch (Error const& e) {
        return report(e.what(), e.hint(), e.exit());
    } catch (std::bad_alloc const&) {
        return report("out of memory", {}, Exit::IoError);
    } catch (std::exception const& e) {
        return report(
            fmt::format("internal error: {}", e.what()), "please report this bug", Exit::Internal);
    }
}

}
