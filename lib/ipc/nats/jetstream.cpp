// JetStream contexts and their errors (jetstream.hpp).

#include "ipc/nats/jetstream.hpp"

#include "ipc/core/error.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace ipc::nats {

namespace {

// Async publishes in flight at once, and how long a publish waits for room.
constexpr std::int64_t max_pending = 4096;
constexpr std::int64_t stall_wait_ms = 30'000;

}

void fail_js(natsStatus status, jsErrCode code, std::string_view what)
{
    if (code == JSNotEnabledErr || code == JSNotEnabledForAccountErr
        || (status == NATS_NO_RESPONDERS && code == 0))
        throw Error(Exit::Unavailable, fmt::format("{}: the NATS server has no JetStream", what),
            "start nats-server with -js, or enable JetStream for this account");
    char const* text = api().nats_GetLastError(nullptr);
    if (code != 0 && text && *text)
        throw Error(Exit::Internal, fmt::format("{}: {}", what, text));
    fail(status, what, text ? text : "");
}

JetStream::JetStream(BackendOptions const& backend, jsPubAckHandler on_ack, void* on_ack_closure)
    : m_connection(backend)
{
    auto const& nats = api();
    jsOptions options;
    check(nats.jsOptions_Init(&options), "JetStream options");
    options.PublishAsync.MaxPending = max_pending;
    options.PublishAsync.StallWait = stall_wait_ms;
    options.PublishAsync.AckHandler = on_ack;
    options.PublishAsync.AckHandlerClosure = on_ack_closure;
    check(nats.natsConnection_JetStream(&m_js, m_connection.get(), &options), "JetStream");
}

JetStream::~JetStream()
{
    api().jsCtx_Destroy(m_js);
}

Owned<jsStreamInfo> JetStream::stream_info(std::string const& stream, char const* subjects)
{
    auto const& nats = api();
    jsOptions options;
    nats.jsOptions_Init(&options);
    options.Stream.Info.SubjectsFilter = subjects;
    jsStreamInfo* info = nullptr;
    jsErrCode code {};
    auto const status = nats.js_GetStreamInfo(&info, m_js, stream.c_str(), &options, &code);
    if (not_found(status, code))
        return nullptr;
    check_js(status, code, stream);
    return Owned<jsStreamInfo>(info);
}

int JetStream::known_servers() const
{
    char** servers = nullptr;
    int count = 0;
    if (api().natsConnection_GetServers(m_connection.get(), &servers, &count) != NATS_OK)
        return 1;
    for (int i = 0; i < count; ++i)
        std::free(servers[i]);
    std::free(servers);
    return count;
}

}
