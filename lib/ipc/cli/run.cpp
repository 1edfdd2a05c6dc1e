#include "ipc/cli/run.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/spelling.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <optional>
#include <unistd.h>
#include <vector>

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

// The (sub)command being parsed: the deepest one chosen.
CLI::App const& current(CLI::App const& app)
{
    auto const* command = &app;
    while (!command->get_subcommands().empty())
        command = command->get_subcommands().front();
    return *command;
}

// "ipc-queue push": the names from the tool to command.
std::string command_path(CLI::App const& command)
{
    std::string path = command.get_name();
    for (auto const* parent = command.get_parent(); parent; parent = parent->get_parent())
        path = parent->get_name() + ' ' + path;
    return path;
}

// "try 'ipc-queue push --help'": the help of the (sub)command being parsed.
std::string help_hint(CLI::App const& app)
{
    return fmt::format("try '{} --help'", command_path(current(app)));
}

// The first word of argv that is neither an option of app nor its value: the
// subcommand the user meant.
std::optional<std::string> first_operand(CLI::App const& app, int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        std::string const word = argv[i];
        if (word == "--")
            return i + 1 < argc ? std::optional<std::string>(argv[i + 1]) : std::nullopt;
        if (!word.starts_with('-') || word == "-")
            return word;
        if (word.find('=') != std::string::npos)
            continue;
        auto const* option = app.get_option_no_throw(word);
        if (option && option->get_type_size() != 0)
            ++i; // Its value.
    }
    return std::nullopt;
}

// The error of a tool whose subcommand is missing or mistyped, with its hint.
struct Usage {
    std::string message;
    std::string hint;
};
std::optional<Usage> subcommand_error(
    CLI::App const& app, CLI::ParseError const& error, int argc, char** argv)
{
    if (app.get_require_subcommand_min() == 0 || !app.get_subcommands().empty())
        return std::nullopt;
    std::vector<std::string> names;
    for (auto const* command : app.get_subcommands({}))
        names.push_back(command->get_name());
    std::string const help = fmt::format("try '{} --help'", app.get_name());
    auto const word = first_operand(app, argc, argv);
    if (!word) {
        if (!dynamic_cast<CLI::RequiredError const*>(&error))
            return std::nullopt; // An unknown option, say.
        std::string list;
        for (std::size_t i = 0; i < names.size(); ++i)
            list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
        return Usage { fmt::format("a command is required: {}", list), help };
    }
    if (std::find(names.begin(), names.end(), *word) != names.end())
        return std::nullopt; // Known: the error is elsewhere.
    std::string const message = fmt::format("{}: no such command", *word);
    if (auto const meant = nearest_word(*word, names))
        return Usage { message, fmt::format("did you mean '{} {}'?", app.get_name(), *meant) };
    return Usage { message, help };
}

// For an unexpected option in a command that runs CMD (ipc-serve calc bc -l):
// "put CMD and its options after '--': ipc-serve [OPTIONS] ADDRESS -- CMD [ARG...]".
std::optional<std::string> command_hint(CLI::App const& app, CLI::ParseError const& error)
{
    auto const& command = current(app);
    if (!dynamic_cast<CLI::ExtrasError const*>(&error) || !command.get_option_no_throw("CMD"))
        return std::nullopt;
    std::string usage = command_path(command) + " [OPTIONS]";
    for (auto const* option : command.get_options())
        if (option->get_positional() && option->get_name() != "CMD") {
            if (option->count() == 0)
                return std::nullopt; // No ADDRESS before it: the option is only unknown.
            usage += ' ' + option->get_name();
        }
    return fmt::format("put CMD and its options after '--': {} -- CMD [ARG...]", usage);
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
        if (auto const usage = subcommand_error(app, e, argc, argv))
            return report(usage->message, usage->hint, Exit::Usage);
        if (auto const hint = command_hint(app, e))
            return report(e.what(), *hint, Exit::Usage);
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
