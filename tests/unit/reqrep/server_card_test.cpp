#include "ipc/reqrep/server_card.hpp"

#include "ipc/core/fd.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <fcntl.h>

namespace {

std::vector<std::byte> bytes(std::string_view text)
{
    std::vector<std::byte> out(text.size());
    std::memcpy(out.data(), text.data(), text.size());
    return out;
}

}

TEST_CASE("a server card decodes only with its magic and its whole size", "[reqrep]")
{
    std::string card("ipcsrv1\n", 8);
    std::int64_t const since = 1'700'000'000'123'456'789;
    std::uint64_t const served = 42;
    card.append(reinterpret_cast<char const*>(&since), 8);
    card.append(reinterpret_cast<char const*>(&served), 8);
    card.append(8, '\0');
    auto const decoded = ipc::reqrep::decode_server_card(bytes(card));
    REQUIRE(decoded);
    CHECK(decoded->since_ns == since);
    CHECK(decoded->served == served);
    CHECK_FALSE(ipc::reqrep::decode_server_card(bytes(card.substr(0, 31))));
    card[0] = 'X';
    CHECK_FALSE(ipc::reqrep::decode_server_card(bytes(card)));
    CHECK_FALSE(ipc::reqrep::decode_server_card({}));
}

TEST_CASE("a server's count of requests answered is read by another mapping", "[reqrep]")
{
    ipc::test::TempDir const dir;
    ipc::Fd const dir_fd { ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
    ipc::reqrep::ServerCard card(dir_fd.get(), "7-ab", dir.path().string(), 1234, 5);
    for (int i = 0; i < 3; ++i)
        card.count_one();
    CHECK(card.served() == 8);
    auto read = ipc::reqrep::read_server_card(dir_fd.get(), "7-ab");
    REQUIRE(read);
    CHECK(read->since_ns == 1234);
    CHECK(read->served == 8);
    auto moved = std::move(card);
    moved.count_one();
    CHECK(ipc::reqrep::read_server_card(dir_fd.get(), "7-ab")->served == 9);
    CHECK_FALSE(ipc::reqrep::read_server_card(dir_fd.get(), "8-cd"));
    ipc::reqrep::ServerCard none;
    none.count_one(); // A unix: or tcp:// server counts nothing, and that is no error.
    CHECK(none.served() == 0);
}
