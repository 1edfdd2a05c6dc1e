#include "ipc/pubsub/send_buffer.hpp"

#include "ipc/core/fd.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <sys/socket.h>

namespace {

struct Pair {
    ipc::Fd ours, theirs;
    Pair()
    {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        ours.reset(fds[0]);
        theirs.reset(fds[1]);
        int const small = 4096;
        ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    }
};

// Appends a batch frame of count messages of size bytes to buffer.
void add_frame(ipc::pubsub::SendBuffer& buffer, std::size_t count, std::size_t size)
{
    buffer.batch.begin(buffer.out, "t", 0);
    for (std::size_t i = 0; i < count; ++i)
        buffer.batch.add(buffer.out, std::string(size, 'x'));
    buffer.end_batch();
}

}

TEST_CASE("a send buffer that all fits is written whole and counts its messages delivered",
    "[pubsub]")
{
    Pair pair;
    ipc::pubsub::SendBuffer buffer;
    add_frame(buffer, 3, 10);
    std::uint64_t delivered = 0;
    CHECK(buffer.write_to(pair.ours.get(), delivered) == ipc::pubsub::SendBuffer::Status::Done);
    CHECK(delivered == 3);
    CHECK(buffer.pending() == 0);
    CHECK(buffer.frames.empty());
}

TEST_CASE("a send buffer blocked by a full socket drops only the frames not begun", "[pubsub]")
{
    Pair pair;
    ipc::pubsub::SendBuffer buffer;
    for (int i = 0; i < 64; ++i)
        add_frame(buffer, 2, 1000);
    std::uint64_t delivered = 0;
    REQUIRE(buffer.write_to(pair.ours.get(), delivered) == ipc::pubsub::SendBuffer::Status::Blocked);
    CHECK(delivered % 2 == 0);
    CHECK(delivered < 128);
    auto const begun = buffer.frames.front().start < buffer.written ? 2u : 0u;
    auto const dropped = buffer.drop_unsent();
    CHECK(delivered + dropped + begun == 128);
    CHECK(buffer.clear() == begun);
    CHECK(buffer.pending() == 0);
}

TEST_CASE("a send buffer whose peer has gone reports Closed and empties", "[pubsub]")
{
    Pair pair;
    pair.theirs.reset();
    ipc::pubsub::SendBuffer buffer;
    add_frame(buffer, 1, 10);
    std::uint64_t delivered = 0;
    CHECK(buffer.write_to(pair.ours.get(), delivered) == ipc::pubsub::SendBuffer::Status::Closed);
    CHECK(delivered == 0);
    CHECK(buffer.pending() == 0);
    CHECK(buffer.frames.empty());
}
