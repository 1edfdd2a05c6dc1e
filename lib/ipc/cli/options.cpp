#include "ipc/cli/options.hpp"

#include "ipc/core/parse.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>

namespace ipc::cli {

namespace {

// Help in the util-linux shape: the value name only, no CLI11 noise
// (exclusions and ranges are explained in the man page).
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_option_opts(CLI::Option const* option) const override
    {
        if (option->get_type_size() == 0 || option->get_positional())
            return {};
        return " " + option->get_type_name();
    }
};

constexpr auto duration_words = "a duration like 250ms, 2s or 1m";

// A user or group given by number or by name.
template<typename Id> Id parse_id(std::string const& text, std::string const& option, bool user)
{
    if (auto number = parse_number(text); number && *number <= 0xFFFF'FFFEu)
        return static_cast<Id>(*number);
    if (user) {
        if (auto const* entry = ::getpwnam(text.c_str()))
            return entry->pw_uid;
    } else if (auto const* entry = ::getgrnam(text.c_str())) {
        return entry->gr_gid;
    }
    throw CLI::ValidationError(
        option, fmt::format("'{}' is no known {}", text, user ? "user" : "group"));
}

}

void add_standard(CLI::App& app)
{
    auto const name = app.get_name();
    app.formatter(std::make_shared<HelpFormatter>());
    app.set_help_flag("-h,--help", "print this help and exit");
    app.set_version_flag("--version", fmt::format("{} (ipckit) {}", name, IPC_VERSION),
        "print the version and exit");
    app.footer(fmt::format("See {}(1).", name));
}

CLI::Option* add_decoded(CLI::App& app, std::string const& names,
    std::function<bool(std::string_view)> decode, std::string expected, std::string help)
{
    std::string long_name = names.substr(names.rfind(',') + 1); // "-t,--timeout" -> "--timeout"
    auto check = [decode = std::move(decode), long_name, expected](std::string const& text) {
        if (!decode(text))
            throw CLI::ValidationError(long_name, fmt::format("'{}' is not {}", text, expected));
    };
    return app.add_option_function<std::string>(names, check, std::move(help));
}

CLI::Option* add_choice(CLI::App& app, std::string const& names,
    std::vector<std::string_view> words, std::function<void(std::size_t)> choose, std::string help)
{
    std::string expected; // "'normal' or 'full'", "'a', 'b' or 'c'"
    for (std::size_t i = 0; i < words.size(); ++i)
        expected += fmt::format("{}'{}'",
            i == 0                      ? ""
                : i + 1 == words.size() ? " or "
                                        : ", ",
            words[i]);
    auto decode = [words = std::move(words), choose = std::move(choose)](std::string_view text) {
        auto const index = parse_choice(text, words);
        if (index)
            choose(*index);
        return index.has_value();
    };
    return add_decoded(app, names, decode, std::move(expected), std::move(help));
}

void add_framing(CLI::App& app, framing::Options& options, Direction direction, FramingFlags flags)
{
    auto set = [&options](framing::Mode mode, char delimiter) {
        return [&options, mode, delimiter] {
            options.mode = mode;
            options.delimiter = delimiter;
        };
    };
    std::vector<CLI::Option*> modes {
        app.add_flag_callback("-0,--null", set(framing::Mode::Nul, '\0'), "messages end with NUL"),
        app.add_flag_callback("--whole", set(framing::Mode::Whole, '\n'),
            direction == Direction::Input ? "all of stdin is one message"
                                          : "no separator between messages"),
        app.add_flag_callback(
            "--len", set(framing::Mode::Length, '\n'), "4-byte big-endian length prefix"),
        add_decoded(
            app, "--delimiter",
            [&options](std::string_view text) {
                auto delimiter = framing::parse_delimiter(text); // "," or an escape: \t \0
                if (delimiter) {
                    options.mode = framing::Mode::Delimiter;
                    options.delimiter = *delimiter;
                }
                return delimiter.has_value();
            },
            "one character (or \\n \\t \\0 \\\\)", "messages end with character C")
            ->type_name("C"),
    };
    if (flags.json)
        modes.push_back(app.add_flag("--json", options.json,
            direction == Direction::Output ? "write JSON Lines with data and metadata"
                                           : "read JSON Lines envelopes (topic, data)"));
    if (direction == Direction::Output)
        app.add_flag("--line-buffered", options.line_buffered, "flush after every message")
            ->group("Framing");
    if (flags.verbose)
        app.add_flag("-v,--verbose", options.topic_prefix, "print each topic before its message")
            ->group("Framing");
    for (auto* mode : modes) {
        mode->group("Framing");
        for (auto* other : modes)
            if (other != mode)
                mode->excludes(other); // At most one framing flag.
    }
}

void add_limits(CLI::App& app, Limits& limits)
{
    add_parsed(app, "-n,--count", limits.count, parse_count, "a count of 1 or more",
        "stop after N messages")
        ->type_name("N")
        ->group("Limits");
    add_parsed(app, "-t,--timeout", limits.timeout, parse_duration, duration_words,
        "give up after D; exit 124")
        ->type_name("D")
        ->group("Limits");
    add_parsed(app, "--idle", limits.idle, parse_duration, duration_words,
        "stop after D without a message")
        ->type_name("D")
        ->group("Limits");
}

void add_max_size(CLI::App& app, std::size_t& max_size)
{
    add_parsed(
        app, "--max-size", max_size,
        [](std::string_view text) -> std::optional<std::size_t> {
            return parse_size_in(text, 1, 0xFFFF'FFFFu);
        },
        "a size from 1 byte to 4G, like 4096, 64K or 1M",
        fmt::format("refuse messages longer than N bytes ({}M)", default_max_size >> 20))
        ->type_name("N")
        ->group("Security");
}

void add_security(CLI::App& app, Security& security)
{
    app.add_option_function<std::vector<std::string>>(
           "--allow-uid",
           [&security](std::vector<std::string> const& texts) {
               for (auto const& text : texts)
                   security.access.uids.push_back(parse_id<uid_t>(text, "--allow-uid", true));
           },
           "accept peers running as UID too")
        ->allow_extra_args(false) // One value per flag: a NAME after it is no UID.
        ->type_name("UID")
        ->group("Security");
    app.add_option_function<std::vector<std::string>>(
           "--allow-group",
           [&security](std::vector<std::string> const& texts) {
               for (auto const& text : texts)
                   security.access.gids.push_back(parse_id<gid_t>(text, "--allow-group", false));
           },
           "accept peers whose group is GID too")
        ->allow_extra_args(false)
        ->type_name("GID")
        ->group("Security");
    add_max_size(app, security.max_size);
}

void add_backend(CLI::App& app, BackendOptions& backend)
{
    add_parsed(
        app, "--url", backend.url,
        [](std::string_view text) {
            std::string error;
            return try_parse_url(text, error);
        },
        "'local' or NATS servers like nats://HOST[:PORT] or tls://USER:PASS@HOST, "
        "comma-separated",
        "use the NATS servers in URL, or 'local' (the default)")
        ->type_name("URL")
        ->envname("IPC_URL")
        ->group("Backend");
    app.add_option("--creds", backend.creds, "NATS credentials FILE (JWT and NKey seed)")
        ->type_name("FILE")
        ->envname("IPC_CREDS")
        ->group("Backend");
    app.add_option("--tls-ca", backend.tls_ca, "trust the CA certificates in FILE for tls://")
        ->type_name("FILE")
        ->envname("IPC_TLS_CA")
        ->group("Backend");
}

void add_list(CLI::App& app, bool& list, std::string help)
{
    auto* flag = app.add_flag("--list", list, std::move(help));
    static constexpr std::string_view kept[]
        = { "--help", "--version", "--url", "--creds", "--tls-ca", "--json" };
    std::vector<CLI::Option const*> others;
    for (auto const* option : app.get_options())
        if (option != flag && !option->get_positional()
            && std::find(std::begin(kept), std::end(kept), option->get_name()) == std::end(kept))
            others.push_back(option);
    // Checked once parsing is done, so that the error names --list first.
    app.parse_complete_callback([flag, others] {
        if (flag->count() == 0)
            return;
        for (auto const* option : others)
            if (option->count() > 0)
                throw CLI::ExcludesError("--list", option->get_name());
    });
}

void add_duration(
    CLI::App& app, std::string const& names, std::optional<Duration>& out, std::string help)
{
    add_parsed(app, names, out, parse_duration, duration_words, std::move(help))->type_name("D");
}

void add_count(
    CLI::App& app, std::string const& names, std::optional<std::uint64_t>& out, std::string help)
{
    add_parsed(app, names, out, parse_count, "a count of 1 or more", std::move(help))
        ->type_name("N");
}

}
