// Which handler answers requests: req/rep policy, kept here so that every
// backend's server takes the same one.

#include "ipc/reqrep/handler.hpp"

#include "ipc/reqrep/exec_handler.hpp"
#include "ipc/reqrep/pipe_handler.hpp"

#include <algorithm>

namespace ipc::reqrep {

int ms_until(std::optional<std::chrono::steady_clock::time_point> deadline)
{
    if (!deadline)
        return -1;
    auto const ms
        = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now())
              .count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 24 * 3600 * 1000));
}

std::unique_ptr<Handler> make_handler(HandlerOptions const& options)
{
    if (!options.command.empty() && !options.pipe)
        return std::make_unique<ExecHandler>(options);
    return std::make_unique<PipeHandler>(options);
}

}
