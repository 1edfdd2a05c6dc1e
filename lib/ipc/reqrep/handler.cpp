// Which handler answers requests: req/rep policy, kept here so that every
// backend's server takes the same one; and the framing of requests that the
// long-lived modes write to a reader.

#include "ipc/reqrep/handler.hpp"

#include "ipc/core/error.hpp"
#include "ipc/reqrep/exec_handler.hpp"
#include "ipc/reqrep/pipe_handler.hpp"
#include "ipc/reqrep/session_handler.hpp"

namespace ipc::reqrep {

std::unique_ptr<Handler> make_handler(HandlerOptions const& options)
{
    if (options.session)
        return std::make_unique<SessionHandler>(options);
    if (!options.command.empty() && !options.pipe)
        return std::make_unique<ExecHandler>(options);
    return std::make_unique<PipeHandler>(options);
}

void require_separable(framing::Options const& framing)
{
    if (framing.mode == framing::Mode::Whole)
        throw Error(Exit::Usage, "--whole cannot separate requests to a co-process or on stdout",
            "use lines, -0, --delimiter or --len");
}

std::string_view unframable(framing::Options const& framing, std::string_view data)
{
    if (framing.mode != framing::Mode::Length && data.find(framing.delimiter) != data.npos)
        return "the request holds the delimiter, which would split it in two (use --len on "
               "both sides, or another delimiter)";
    return {};
}

void append_framed(std::string& out, framing::Options const& framing, std::string_view data)
{
    bool const length = framing.mode == framing::Mode::Length;
    for (int shift = 24; length && shift >= 0; shift -= 8) // A 4-byte big-endian length.
        out += static_cast<char>(data.size() >> shift);
    out += data;
    if (!length)
        out += framing.delimiter;
}

}
