#include "ipc/pubsub/backlog.hpp"

#include "ipc/core/fd.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// A connected pair, non-blocking as the publisher's sockets are, with a small
// send buffer that fills at once.
struct Pair {
    ipc::Fd ours, theirs;
    Pair()
    {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0);
        ours.reset(fds[0]);
        theirs.reset(fds[1]);
        int const small = 4096;
        ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    }
};

// Appends a batch frame of count messages of size bytes to backlog.
void add_frame(ipc::pubsub::Backlog& backlog, std::size_t count, std::size_t size)
{
    backlog.batch.begin(backlog.bytes.back(), "t", 0);
    for (std::size_t i = 0; i < count; ++i)
        backlog.batch.add(backlog.bytes.back(), std::string(size, 'x'));
    backlog.end_batch();
}

}

TEST_CASE("a backlog that all fits is written whole and counts its messages delivered", "[pubsub]")
{
    Pair pair;
    ipc::pubsub::Backlog backlog;
    add_frame(backlog, 3, 10);
    std::uint64_t delivered = 0;
    CHECK(backlog.write_to(pair.ours.get(), delivered) == ipc::io::OutBuffer::Status::Done);
    CHECK(delivered == 3);
    CHECK(backlog.pending() == 0);
    CHECK(backlog.frames.empty());
}

TEST_CASE("a backlog blocked by a full socket drops only the frames not begun", "[pubsub]")
{
    Pair pair;
    ipc::pubsub::Backlog backlog;
    for (int i = 0; i < 64; ++i)
        add_frame(backlog, 2, 1000);
    std::uint64_t delivered = 0;
    REQUIRE(backlog.write_to(pair.ours.get(), delivered) == ipc::io::OutBuffer::Status::Blocked);
    CHECK(delivered % 2 == 0);
    CHECK(delivered < 128);
    auto const begun = backlog.frames.front().start < backlog.bytes.written() ? 2u : 0u;
    auto const dropped = backlog.drop_unsent();
    CHECK(delivered + dropped + begun == 128);
    CHECK(backlog.clear() == begun);
    CHECK(backlog.pending() == 0);
}

TEST_CASE("a backlog whose peer has gone reports Closed and empties", "[pubsub]")
{
    Pair pair;
    pair.theirs.reset();
    ipc::pubsub::Backlog backlog;
    add_frame(backlog, 1, 10);
    std::uint64_t delivered = 0;
    CHECK(backlog.write_to(pair.ours.get(), delivered) == ipc::io::OutBuffer::Status::Closed);
    CHECK(delivered == 0);
    CHECK(backlog.pending() == 0);
    CHECK(backlog.frames.empty());
}

TEST_CASE(
    "a backlog ends its open batch before it writes, so no frame goes out unfinished", "[pubsub]")
{
    Pair pair;
    ipc::pubsub::Backlog backlog;
    backlog.batch.begin(backlog.bytes.back(), "t", 0);
    backlog.batch.add(backlog.bytes.back(), "one");
    backlog.batch.add(backlog.bytes.back(), "two");
    std::uint64_t delivered = 0;
    CHECK(backlog.write_to(pair.ours.get(), delivered) == ipc::io::OutBuffer::Status::Done);
    CHECK(!backlog.batch.open());
    CHECK(delivered == 2);
}

TEST_CASE("a backlog that stays busy for long counts every message once, delivered or dropped",
    "[pubsub]")
{
    Pair pair;
    ipc::pubsub::Backlog backlog;
    std::uint64_t delivered = 0, dropped = 0, added = 0;
    char sink[1024];
    // The reader takes half of what comes: the socket stays full, frames are
    // dropped, and what was written leaves the front of the bytes many times
    // over (io::OutBuffer::compact_after).
    for (int round = 0; round < 5000; ++round) {
        add_frame(backlog, 2, 1000);
        added += 2;
        if (backlog.write_to(pair.ours.get(), delivered) == ipc::io::OutBuffer::Status::Blocked
            && backlog.pending() > ipc::pubsub::high_water)
            dropped += backlog.drop_unsent();
        [[maybe_unused]] auto const ignored = ::read(pair.theirs.get(), sink, sizeof(sink));
    }
    CHECK(dropped > 0);
    CHECK(backlog.bytes.written() > 4 * ipc::io::OutBuffer::compact_after);
    CHECK(backlog.bytes.back().size() < 3 * ipc::pubsub::high_water);
    auto const left = backlog.clear();
    CHECK(delivered + dropped + left == added);
}
