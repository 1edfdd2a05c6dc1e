// The stream and subjects of a queue on NATS (nats/names.hpp).

#include "ipc/nats/names.hpp"

#include <catch2/catch.hpp>

using ipc::nats::queue_of_stream;
using ipc::nats::stream_name;

TEST_CASE("a queue's stream name has no dots, and decodes back", "[nats][names]")
{
    CHECK(stream_name("jobs") == "IPCQ_jobs");
    CHECK(stream_name("a.b-c.d_e") == "IPCQ_a:b-c:d_e");
    for (auto const* name : { "jobs", "a.b-c.d_e", "x.y.z", "A-1" }) {
        CHECK(stream_name(name).find('.') == std::string::npos);
        CHECK(queue_of_stream(stream_name(name)) == std::optional<std::string>(name));
    }
}

TEST_CASE("streams that are not a queue's are not listed as queues", "[nats][names]")
{
    CHECK_FALSE(queue_of_stream("KV_ipc-retained"));
    CHECK_FALSE(queue_of_stream("IPCQ_"));
    CHECK_FALSE(queue_of_stream("IPCQ_a::b"));
    CHECK_FALSE(queue_of_stream("IPCQ_:a"));
    CHECK_FALSE(queue_of_stream("IPCQ_a b"));
    CHECK_FALSE(queue_of_stream("ipcq_jobs"));
}

TEST_CASE("a queue's items live on _IPC.q.NAME, its dead ones on _IPC.dead.NAME", "[nats][names]")
{
    CHECK(ipc::nats::live_subject("a.b") == "_IPC.q.a.b");
    CHECK(ipc::nats::dead_subject("a.b") == "_IPC.dead.a.b");
}
