// Which handler answers requests: req/rep policy, kept here so that every
// backend's server takes the same one.

#include "ipc/reqrep/handler.hpp"

#include "ipc/reqrep/exec_handler.hpp"
#include "ipc/reqrep/pipe_handler.hpp"

namespace ipc::reqrep {

std::unique_ptr<Handler> make_handler(HandlerOptions const& options)
{
    if (!options.command.empty() && !options.pipe)
        return std::make_unique<ExecHandler>(options);
    return std::make_unique<PipeHandler>(options);
}

}
