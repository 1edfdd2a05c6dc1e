#include "ipc/io/out_buffer.hpp"

#include "ipc/core/fd.hpp"
#include "support/read_available.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace {

// A connected pair, non-blocking: a socket pair, or a pipe (read end first).
std::pair<ipc::Fd, ipc::Fd> connected(bool socket)
{
    int ends[2];
    if (socket)
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends) == 0);
    else
        REQUIRE(::pipe2(ends, O_NONBLOCK) == 0);
    return { ipc::Fd { ends[0] }, ipc::Fd { ends[1] } };
}

// Writes out all that is pending while reading the other end; returns what
// was read (bounded: a buffer that never gets Done fails the test).
std::string finish(ipc::io::OutBuffer& out, int reader, int writer)
{
    std::string got;
    auto status = ipc::io::OutBuffer::Status::Blocked;
    for (int round = 0; round < 100000 && status == ipc::io::OutBuffer::Status::Blocked; ++round) {
        got += ipc::test::read_available(reader);
        status = out.write_to(writer);
    }
    CHECK(status == ipc::io::OutBuffer::Status::Done);
    return got + ipc::test::read_available(reader);
}
}

TEST_CASE("an out buffer writes what the descriptor takes, and the rest once it has room", "[io]")
{
    auto const socket = GENERATE(true, false);
    CAPTURE(socket);
    auto [reader, writer] = connected(socket);

    ipc::io::OutBuffer out;
    std::string const frame(4096, 'x');
    std::string sent;
    // More than any socket or pipe buffer holds: it fills up.
    for (int i = 0; i < 4096; ++i) {
        out.back() += frame;
        sent += frame;
    }
    out.append("end");
    sent += "end";
    CHECK(out.write_to(writer.get()) == ipc::io::OutBuffer::Status::Blocked);
    CHECK(!out.empty());
    CHECK(out.pending().size() < sent.size());
    auto const got = finish(out, reader.get(), writer.get());
    CHECK(out.empty());
    CHECK(out.pending().empty());
    CHECK(got == sent);
}

TEST_CASE("an out buffer whose reader is gone says Closed with EPIPE, and keeps its bytes", "[io]")
{
    auto const socket = GENERATE(true, false);
    CAPTURE(socket);
    auto [reader, writer] = connected(socket);
    reader.reset();
    ipc::io::OutBuffer out;
    out.append("hello");
    // A pipe would raise SIGPIPE: the test binary ignores it, as the tools do.
    auto const old = ::signal(SIGPIPE, SIG_IGN);
    auto const status = out.write_to(writer.get());
    int const error = errno;
    ::signal(SIGPIPE, old);
    CHECK(status == ipc::io::OutBuffer::Status::Closed);
    CHECK(error == EPIPE);
    CHECK(out.pending() == "hello");
}

TEST_CASE("an out buffer counts the bytes it wrote, and positions run on across writes", "[io]")
{
    auto [reader, writer] = connected(true);
    ipc::io::OutBuffer out;
    CHECK(out.written() == 0);
    CHECK(out.position() == 0);
    out.append("hello ");
    out.append("world");
    CHECK(out.position() == 11);
    CHECK(out.write_to(writer.get()) == ipc::io::OutBuffer::Status::Done);
    CHECK(out.written() == 11);
    CHECK(out.position() == 11);
    out.append("more");
    CHECK(out.position() == 15);
    out.clear(); // Never written: its positions are taken again.
    CHECK(out.written() == 11);
    CHECK(out.position() == 11);
    out.append("!");
    CHECK(out.write_to(writer.get()) == ipc::io::OutBuffer::Status::Done);
    CHECK(out.written() == 12);
    CHECK(ipc::test::read_available(reader.get()) == "hello world!");
}

TEST_CASE("an out buffer takes back what has not begun to be written, from a position on", "[io]")
{
    ipc::io::OutBuffer out;
    out.append("keep");
    auto const mark = out.position();
    out.append("drop");
    out.truncate(mark);
    CHECK(out.pending() == "keep");
    out.truncate(out.position() + 10); // Past the end: nothing to take back.
    CHECK(out.pending() == "keep");

    // Under back-pressure: frames written in part or whole stay, the rest goes.
    auto const socket = GENERATE(true, false);
    CAPTURE(socket);
    auto [reader, writer] = connected(socket);
    ipc::io::OutBuffer full;
    std::string const frame(4096, 'x');
    std::string sent;
    std::uint64_t start_of_last = 0;
    for (int i = 0; i < 1024; ++i) {
        start_of_last = full.position();
        full.append(frame);
        sent += frame;
    }
    REQUIRE(full.write_to(writer.get()) == ipc::io::OutBuffer::Status::Blocked);
    REQUIRE(full.written() < start_of_last);
    full.truncate(start_of_last);
    CHECK(full.position() == start_of_last);
    full.truncate(0); // Before written(): only what is pending goes.
    CHECK(full.empty());
    CHECK(full.position() == full.written());
    full.append("end");
    auto const got = finish(full, reader.get(), writer.get());
    auto const written = got.size() - 3;
    CHECK(got == sent.substr(0, written) + "end");
}

TEST_CASE(
    "an out buffer that never empties does not grow: what was written leaves the front", "[io]")
{
    auto const socket = GENERATE(true, false);
    CAPTURE(socket);
    auto [reader, writer] = connected(socket);
    ipc::io::OutBuffer out;
    // A start that the descriptor cannot take at once; then the reader takes
    // at most as much as is added: the buffer stays busy while 16 MiB pass.
    std::string sent(1024 * 1024, '-');
    std::string got;
    out.append(sent);
    std::size_t const piece = 16 * 1024;
    for (int round = 0; round < 1024; ++round) {
        std::string const bytes(piece, static_cast<char>('a' + round % 26));
        out.append(bytes);
        sent += bytes;
        auto const status = out.write_to(writer.get());
        if (status == ipc::io::OutBuffer::Status::Blocked) {
            auto const pending = out.pending().size();
            REQUIRE(out.back().size()
                <= pending + std::max(ipc::io::OutBuffer::compact_after, pending));
        }
        char buffer[16 * 1024];
        auto const count = ::read(reader.get(), buffer, sizeof(buffer));
        if (count > 0)
            got.append(buffer, static_cast<std::size_t>(count));
    }
    CHECK(out.written() + out.pending().size() == sent.size());
    got += finish(out, reader.get(), writer.get());
    CHECK(got == sent);
}
