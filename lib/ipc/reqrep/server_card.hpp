#pragma once

// ID.info, beside a local server's ID.sock in svc/NAME: when the server
// started and how many requests it has answered, for ipc-serve --list. The
// server maps it and counts each reply with one relaxed atomic store to
// shared memory (it is the only writer: no locked add, no system call);
// a listing maps it and loads the count.
//
// The layout (32 bytes, native byte order: only this machine reads it):
//   0  "ipcsrv1\n"   8  int64 since (Unix ns)   16  uint64 served   24  zero

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ipc::reqrep {

inline constexpr std::size_t server_card_size = 32;

struct ServerCardData {
    std::int64_t since_ns = 0;
    std::uint64_t served = 0;
};

// Pure: the card in bytes, or nullopt when they are not one.
std::optional<ServerCardData> decode_server_card(std::span<std::byte const> bytes);

// The server's side: the card mapped read-write.
class ServerCard {
public:
    ServerCard() = default; // No card (a unix: or tcp:// address): counts nothing.
    // Creates dir/ID.info (replacing one left under this id) with since_ns and
    // served, and maps it. Throws SystemError naming dir_path/ID.info.
    ServerCard(int dir_fd, std::string const& id, std::string const& dir_path,
        std::int64_t since_ns, std::uint64_t served = 0);
    ~ServerCard();
    ServerCard(ServerCard&& other) noexcept;
    ServerCard& operator=(ServerCard&& other) noexcept;

    // Inline: it runs once per reply.
    void count_one() noexcept
    {
        if (!m_served)
            return;
        std::atomic_ref<std::uint64_t> served(*m_served);
        served.store(served.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    std::uint64_t served() const noexcept;

private:
    std::uint64_t* m_served = nullptr; // In the mapping, which starts 16 bytes before.
};

// A listing's side: dir/ID.info, its count loaded atomically; nullopt when
// there is none (a server of an older version) or it is not a card.
std::optional<ServerCardData> read_server_card(int dir_fd, std::string const& id);

// The file name of id's card.
std::string server_card_name(std::string const& id);

}
