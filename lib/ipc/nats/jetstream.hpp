#pragma once

// A connection's JetStream context, and the one place where a JetStream
// API error becomes an ipc::Error: a server without JetStream is 69, as a
// missing server is.

#include "ipc/core/parse.hpp"
#include "ipc/nats/connection.hpp"

#include <algorithm>
#include <chrono>

#include <memory>
#include <string>
#include <string_view>

namespace ipc::nats {

// Owners for what cnats hands out (each is destroyed by its own function).
template<typename T> struct Destroy;
template<> struct Destroy<jsStreamInfo> {
    void operator()(jsStreamInfo* p) const { api().jsStreamInfo_Destroy(p); }
};
template<> struct Destroy<jsConsumerInfo> {
    void operator()(jsConsumerInfo* p) const { api().jsConsumerInfo_Destroy(p); }
};
template<> struct Destroy<natsMsg> {
    void operator()(natsMsg* p) const { api().natsMsg_Destroy(p); }
};
template<> struct Destroy<jsMsgMetaData> {
    void operator()(jsMsgMetaData* p) const { api().jsMsgMetaData_Destroy(p); }
};
template<typename T> using Owned = std::unique_ptr<T, Destroy<T>>;

// Durations as JetStream takes them: nanoseconds, or whole milliseconds (at least 1).
inline std::int64_t nanoseconds(Duration duration)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}
inline Duration from_nanoseconds(std::int64_t ns)
{
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns));
}
inline std::int64_t milliseconds(Duration duration)
{
    return std::max<std::int64_t>(
        1, std::chrono::ceil<std::chrono::milliseconds>(duration).count());
}

// Throws the Error for a failed JetStream call (status not NATS_OK): 69
// with "has no JetStream" when the server has none.
[[noreturn]] void fail_js(natsStatus status, jsErrCode code, std::string_view what);

inline void check_js(natsStatus status, jsErrCode code, std::string_view what)
{
    if (status != NATS_OK)
        fail_js(status, code, what);
}

// True for "no such stream / consumer / message" (which callers expect).
inline bool not_found(natsStatus status, jsErrCode code)
{
    return status == NATS_NOT_FOUND || code == JSStreamNotFoundErr || code == JSConsumerNotFoundErr
        || code == JSNoMessageFoundErr;
}

class JetStream {
public:
    // Connects (see Connection). Async publishes report to on_ack, if given.
    JetStream(BackendOptions const& backend, jsPubAckHandler on_ack = nullptr,
        void* on_ack_closure = nullptr);
    ~JetStream();
    JetStream(JetStream const&) = delete;
    JetStream& operator=(JetStream const&) = delete;

    jsCtx* get() const { return m_js; }
    Connection& connection() { return m_connection; }

    // The stream's info, or null when there is no such stream.
    Owned<jsStreamInfo> stream_info(std::string const& stream, char const* subjects = nullptr);
    // The servers this connection knows of (itself and those it was told about).
    int known_servers() const;

private:
    Connection m_connection;
    jsCtx* m_js = nullptr;
};

}
