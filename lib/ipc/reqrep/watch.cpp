// ipc-serve -v (watch.hpp): the line of each reply, made of what the
// Dispatcher knows of its request and written as one warn() line, so that
// lines of concurrent servers on one stderr never interleave.

#include "ipc/reqrep/watch.hpp"

#include "ipc/core/log.hpp"

#include <fmt/format.h>

namespace ipc::reqrep {

namespace {

class VerboseLog final : public Observer {
public:
    explicit VerboseLog(std::string name)
        : m_name(std::move(name))
    {
    }

    bool active() const override { return true; }
    void request(Exchange const&, std::string_view) override { }

    void started(Exchange const& exchange) override
    {
        warn("{} #{} {} in {} B: reply on stdin", m_name, exchange.number, exchange.client,
            exchange.in);
    }

    void reply(Exchange const& exchange, wire::ReplyStatus status, std::string_view data) override
    {
        warn_line(verbose_line(
            m_name, exchange, status, data, std::chrono::steady_clock::now() - exchange.taken));
    }

private:
    std::string m_name;
};

}

std::string verbose_line(std::string_view name, Exchange const& exchange, wire::ReplyStatus status,
    std::string_view data, Duration elapsed)
{
    bool const ok = status == wire::ReplyStatus::Ok;
    auto line = fmt::format("{} #{} {} in {} B out {} B {} {}", name, exchange.number,
        exchange.client, exchange.in, data.size(), ok ? "ok" : "error", format_elapsed(elapsed));
    if (ok)
        return line;
    line += ": ";
    for (char const c : data) { // One line: a handler's stderr tail may hold several.
        if (c == '\n')
            line += "\\n";
        else if (c != '\r')
            line += c;
    }
    return line;
}

std::unique_ptr<Observer> make_verbose_log(std::string name)
{
    return std::make_unique<VerboseLog>(std::move(name));
}

}
