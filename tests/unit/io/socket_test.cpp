#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/socket.h>

namespace {

ipc::Fd open_dir(std::string const& path)
{
    return ipc::Fd { ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
}

}

TEST_CASE("a unix socket in a deep directory is reachable despite sun_path's limit", "[io]")
{
    ipc::test::TempDir temp;
    auto deep = temp.path().string();
    while (deep.size() < 200)
        deep += "/deeper-and-deeper";
    std::filesystem::create_directories(deep);
    auto dir = open_dir(deep);
    auto listener = ipc::io::listen_unix(dir.get(), "s.sock", deep + "/s.sock");
    int error = 0;
    auto client = ipc::io::try_connect_unix(dir.get(), "s.sock", ipc::io::Blocking::Yes, error);
    REQUIRE(client);
    CHECK(error == 0);
    ipc::Fd server { ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC) };
    REQUIRE(server);
    auto const peer = ipc::io::peer_of(server.get());
    CHECK(peer.uid == ::geteuid());
    CHECK(peer.pid == ::getpid());
    CHECK(ipc::sys::write_all(client->get(), "ping"));
    char buffer[4] {};
    CHECK(::read(server.get(), buffer, 4) == 4);
    CHECK(std::string(buffer, 4) == "ping");
}

TEST_CASE("connecting to an absent or dead socket reports it instead of throwing", "[io]")
{
    ipc::test::TempDir temp;
    auto dir = open_dir(temp.path().string());
    int error = 0;
    CHECK_FALSE(ipc::io::try_connect_unix(dir.get(), "none.sock", ipc::io::Blocking::No, error));
    CHECK(error == ENOENT);
    {
        auto listener = ipc::io::listen_unix(dir.get(), "dead.sock", "dead.sock");
    } // Closed: the file stays, nobody listens.
    CHECK_FALSE(ipc::io::try_connect_unix(dir.get(), "dead.sock", ipc::io::Blocking::No, error));
    CHECK(error == ECONNREFUSED);
}

TEST_CASE("access allows our own uid and the listed uids and groups only", "[io]")
{
    ipc::io::Access access;
    auto const me = ::geteuid();
    CHECK(access.allows({ 1, me, 12345 }));
    CHECK_FALSE(access.allows({ 1, me + 1, 12345 }));
    access.uids.push_back(me + 1);
    CHECK(access.allows({ 1, me + 1, 12345 }));
    CHECK_FALSE(access.allows({ 1, me + 2, 12345 }));
    access.gids.push_back(12345);
    CHECK(access.allows({ 1, me + 2, 12345 }));
    CHECK(access.allows({ 1, me + 2, 7, { 3, 12345 } })); // A supplementary group.
    CHECK_FALSE(access.allows({ 1, me + 2, 7, { 3, 4 } }));
}
