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

// A subcommand that carries its action (add_command). It is made with the
// parent's constructor, so it inherits the help flag, formatter and footer.
class Command : public CLI::App {
public:
    Command(std::string help, std::string name, CLI::App* parent, Action action)
        : CLI::App(std::move(help), std::move(name), parent)
        , m_action(std::move(action))
    {
    }

    Exit run() const { return m_action(); }

private:
    Action m_action;
};

class UsageError : public Error {
public:
    explicit UsageError(std::string message)
        : Error(Exit::Usage, std::move(message))
    {
    }
};

// "try 'ipc-queue push --help'": the help of the (sub)command being parsed.
std::string help_hint(CLI::App const& app)
{
    std::string path = app.get_name();
    for (auto const* command = &app; !command->get_subcommands().empty();) {
        command = command->get_subcommands().front();
        path += ' ' + command->get_name();
    }
    return fmt::format("try '{} --help'", path);
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

int run(CLI::App& app, int argc, char** argv, Action const& body)
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
        return report(e.what(), help_hint(app), Exit::Usage);
    } catch (UsageError const& e) {
        return report(e.what(), help_hint(app), Exit::Usage);
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

int run(CLI::App& app, int argc, char** argv)
{
    return run(app, argc, argv, [&app] {
        for (auto const* chosen : app.get_subcommands())
            if (auto const* command = dynamic_cast<Command const*>(chosen))
                return command->run();
        throw std::logic_error("no subcommand with an action was chosen");
    });
}

CLI::App* add_command(CLI::App& app, std::string name, std::string help, Action action)
{
    return app.add_subcommand(
        std::make_shared<Command>(std::move(help), std::move(name), &app, std::move(action)));
}

void usage_error(std::string message)
{
    throw UsageError(std::move(message));
}
}
