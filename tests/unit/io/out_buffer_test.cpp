#include "ipc/io/out_buffer.hpp"

#include "ipc/core/fd.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace {

// Reads what fd holds now (non-blocking) and returns it.
std::string drain(int fd)
{
    std::string got;
    char buffer[65536];
    ssize_t count;
    while ((count = ::read(fd, buffer, sizeof(buffer))) > 0)
        got.append(buffer, static_cast<std::size_t>(count));
    return got;
}

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
    std::string got;
    auto status = ipc::io::OutBuffer::Status::Blocked;
    for (int round = 0; round < 100000 && status == ipc::io::OutBuffer::Status::Blocked; ++round) {
        got += drain(reader.get());
        status = out.write_to(writer.get());
    }
    CHECK(status == ipc::io::OutBuffer::Status::Done);
    CHECK(out.empty());
    CHECK(out.pending().empty());
    got += drain(reader.get());
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
