#include "ipc/core/sys.hpp"

#include "ipc/core/fd.hpp"

#include "support/read_available.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

iovec part(std::string const& bytes)
{
    return { const_cast<char*>(bytes.data()), bytes.size() };
}

}

TEST_CASE("write_all writes every part in order, across short writes and empty parts", "[core]")
{
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    ipc::Fd reader { ends[0] }, writer { ends[1] };
    // Parts larger than a pipe holds: the writes come up short.
    std::string const a(300 * 1024, 'a'), empty, b(70 * 1024, 'b'), c = "end";
    std::string got;
    std::thread drain([&] { got = ipc::test::read_available(reader.get()); });
    iovec parts[] = { part(a), part(empty), part(b), part(empty), part(c) };
    bool const ok = ipc::sys::write_all(writer.get(), parts, 5);
    writer.reset();
    drain.join();
    CHECK(ok);
    CHECK(got == a + b + c);
}

TEST_CASE("write_all waits for room on a non-blocking descriptor instead of failing", "[core]")
{
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    ipc::Fd reader { ends[0] }, writer { ends[1] };
    REQUIRE(::fcntl(writer.get(), F_SETFL, O_NONBLOCK) == 0); // Its reader blocks.
    std::string const data(1024 * 1024, 'x'); // 16 times what the pipe holds.
    std::string got;
    std::thread drain([&] { got = ipc::test::read_available(reader.get()); });
    bool const ok = ipc::sys::write_all(writer.get(), data);
    writer.reset();
    drain.join();
    CHECK(ok);
    CHECK(got == data);
}

TEST_CASE("write_all writes a line made of parts with one writev, so it arrives whole", "[core]")
{
    // A datagram socket keeps each write apart: a line written part by part
    // would arrive as four datagrams.
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ends) == 0);
    ipc::Fd reader { ends[0] }, writer { ends[1] };
    std::string const name = "ipc-pub", separator = ": ", message = "a warning", newline = "\n";
    iovec parts[] = { part(name), part(separator), part(message), part(newline) };
    REQUIRE(ipc::sys::write_all(writer.get(), parts, 4));
    char buffer[256];
    auto const count = ::recv(reader.get(), buffer, sizeof(buffer), 0);
    REQUIRE(count > 0);
    CHECK(std::string(buffer, static_cast<std::size_t>(count)) == "ipc-pub: a warning\n");
}

TEST_CASE("write_all to a reader gone away fails with EPIPE", "[core]")
{
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    ipc::Fd reader { ends[0] }, writer { ends[1] };
    reader.reset();
    auto const old = ::signal(SIGPIPE, SIG_IGN);
    bool const ok = ipc::sys::write_all(writer.get(), "hello");
    int const error = errno;
    ::signal(SIGPIPE, old);
    CHECK(!ok);
    CHECK(error == EPIPE);
}
