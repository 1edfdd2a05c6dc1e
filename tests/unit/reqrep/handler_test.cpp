#include "ipc/reqrep/handler.hpp"

#include "ipc/core/error.hpp"
#include "ipc/reqrep/exec_handler.hpp"
#include "ipc/reqrep/pipe_handler.hpp"
#include "ipc/reqrep/session_handler.hpp"

#include <catch2/catch.hpp>

TEST_CASE("a command means exec mode, --pipe co-processes, --session a process per client, no "
          "command stdio mode",
    "[reqrep]")
{
    using ipc::reqrep::HandlerOptions;
    auto exec = ipc::reqrep::make_handler(HandlerOptions { .command = { "cat" } });
    CHECK(dynamic_cast<ipc::reqrep::ExecHandler*>(exec.get()));
    auto pipe = ipc::reqrep::make_handler(HandlerOptions { .command = { "cat" }, .pipe = true });
    CHECK(dynamic_cast<ipc::reqrep::PipeHandler*>(pipe.get()));
    auto session
        = ipc::reqrep::make_handler(HandlerOptions { .command = { "cat" }, .session = true });
    CHECK(dynamic_cast<ipc::reqrep::SessionHandler*>(session.get()));
    auto stdio = ipc::reqrep::make_handler(HandlerOptions {});
    CHECK(dynamic_cast<ipc::reqrep::PipeHandler*>(stdio.get()));
}

TEST_CASE("a handler whose command cannot be found is refused before it serves", "[reqrep]")
{
    auto const pipe = GENERATE(false, true);
    CAPTURE(pipe);
    try {
        ipc::reqrep::make_handler({ .command = { "no-such-command-ipckit" }, .pipe = pipe });
        FAIL("made");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Usage);
        CHECK(
            std::string(e.what()) == "no-such-command-ipckit: command not found or not executable");
    }
}
