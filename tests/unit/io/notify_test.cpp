#include "ipc/core/fd.hpp"
#include "ipc/io/notify.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// A datagram socket bound to name (a path, or '@' and an abstract name), as
// a service manager's NOTIFY_SOCKET is.
ipc::Fd bind_datagram(std::string const& name)
{
    ipc::Fd fd { ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@')
        address.sun_path[0] = '\0';
    auto const length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr const*>(&address), length) == 0);
    return fd;
}

std::string receive(int fd)
{
    char buffer[256];
    auto const got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    return got < 0 ? std::string("(nothing)") : std::string(buffer, static_cast<std::size_t>(got));
}

}

TEST_CASE("notify sends its state as one datagram to a socket path", "[io]")
{
    ipc::test::TempDir temp;
    auto const path = (temp.path() / "notify").string();
    auto const socket = bind_datagram(path);
    CHECK(ipc::io::notify("READY=1", path.c_str()));
    CHECK(receive(socket.get()) == "READY=1");
}

TEST_CASE("notify reaches an abstract socket named with '@'", "[io]")
{
    auto const name = "@ipckit-notify-test-" + std::to_string(::getpid());
    auto const socket = bind_datagram(name);
    CHECK(ipc::io::notify("READY=1", name.c_str()));
    CHECK(receive(socket.get()) == "READY=1");
}

TEST_CASE("notify does nothing without a socket, and only warns when it is unreachable", "[io]")
{
    CHECK_FALSE(ipc::io::notify("READY=1", nullptr));
    CHECK_FALSE(ipc::io::notify("READY=1", ""));
    ipc::test::TempDir temp;
    CHECK_FALSE(ipc::io::notify("READY=1", (temp.path() / "absent").c_str()));
    CHECK_FALSE(ipc::io::notify("READY=1", "relative/path"));
}
