// ipc-req: send each MESSAGE, or each message from stdin, to a server and
// print each reply, in input order.

#include "ipc/backend.hpp"
#include "ipc/cli/options.hpp"
#include "ipc/cli/run.hpp"
#include "ipc/core/log.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/names/address.hpp"
#include "ipc/names/name.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace {

struct Options {
    std::string address;
    std::vector<std::string> messages;
    std::optional<ipc::Duration> timeout, deadline, wait;
    std::optional<std::uint64_t> retries;
    ipc::framing::Options framing;
    ipc::BackendOptions backend;
};

// A server's reason on one line: its own line breaks become "; ".
std::string one_line(std::string_view text)
{
    std::string line;
    for (char c : text)
        if (c == '\n')
            line += "; ";
        else
            line += c;
    return ipc::printable(line);
}

}

int main(int argc, char** argv)
{
    Options options;
    CLI::App app { "Send each MESSAGE, or each message from stdin, to a server; print each reply.",
        "ipc-req" };
    ipc::cli::add_standard(app);
    ipc::cli::add_backend(app, options.backend);
    ipc::cli::add_framing(app, options.framing, ipc::cli::Direction::Output);
    ipc::cli::add_max_size(app, options.framing.max_size);
    ipc::cli::add_duration(app, "-t,--timeout", options.timeout,
        "give up on a request D after its turn came; exit 124");
    ipc::cli::add_duration(
        app, "--deadline", options.deadline, "give up when the whole run takes D; exit 124");
    ipc::cli::add_count(app, "--retries", options.retries,
        "after a lost connection (on NATS: a -t timeout), resend up to N times");
    ipc::cli::add_duration(app, "--wait", options.wait, "wait up to D for a server to appear");
    app.add_option("ADDRESS", options.address, "service NAME, unix:/path or tcp://HOST:PORT")
        ->required();
    app.add_option("MESSAGE", options.messages, "requests to send instead of reading stdin");

    return ipc::cli::run(app, argc, argv, [&] {
        auto const address = ipc::parse_address(options.address); // Bad names exit 2.
        ipc::Stop stop({}); // SIGINT and SIGTERM.
        ipc::framing::Writer out(STDOUT_FILENO, options.framing);
        bool failed = false;
        auto const on_reply = [&](ipc::reqrep::Outcome const& reply) {
            ipc::framing::JsonFields fields;
            if (options.framing.json) {
                fields = { { "id", std::to_string(reply.id) },
                    { "status", reply.ok ? "\"ok\"" : "\"error\"" },
                    { "elapsed_ms",
                        fmt::format("{:.3f}",
                            std::chrono::duration<double, std::milli>(reply.elapsed).count()) } };
            }
            if (reply.ok)
                return out.write({ reply.data, {}, 0 }, fields);
            failed = true;
            ipc::warn("{}: request {}: {}", address.text(), reply.id, one_line(reply.data));
            if (options.framing.json) {
                std::string reason;
                ipc::framing::append_json_string(reason, reply.data);
                fields.emplace_back("error", std::move(reason));
                out.write({}, fields);
            }
        };
        auto client = ipc::open_client(options.backend,
            { .address = address,
                .timeout = options.timeout,
                .deadline = options.deadline,
                .wait = options.wait,
                .retries = options.retries.value_or(0),
                .max_size = options.framing.max_size },
            stop, on_reply, [&out] { out.flush(); });
        if (!options.messages.empty()) {
            for (auto const& message : options.messages)
                client->send(message);
        } else if (!client->interrupted()) {
            auto input = options.framing;
            input.json = false; // --json shapes the replies; requests are plain.
            ipc::framing::Reader in(STDIN_FILENO, input);
            in.set_on_idle([&client] { return client->wait_input(STDIN_FILENO); });
            while (auto message = in.next())
                client->send(message->data);
        }
        client->finish();
        out.flush();
        if (client->interrupted())
            return stop.interrupted_exit();
        return failed ? ipc::Exit::Failed : ipc::Exit::Ok;
    });
}
