// A local server's ID.info (server_card.hpp).

#include "ipc/reqrep/server_card.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"

#include <atomic>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <utility>

namespace ipc::reqrep {

namespace {

constexpr std::string_view magic = "ipcsrv1\n";
constexpr std::size_t since_at = 8, served_at = 16;

template<typename T> T field(std::span<std::byte const> bytes, std::size_t at)
{
    T value {};
    std::memcpy(&value, bytes.data() + at, sizeof(value));
    return value;
}

void* map(int fd, int protection)
{
    void* address = ::mmap(nullptr, server_card_size, protection, MAP_SHARED, fd, 0);
    return address == MAP_FAILED ? nullptr : address;
}

}

std::optional<ServerCardData> decode_server_card(std::span<std::byte const> bytes)
{
    if (bytes.size() < server_card_size
        || std::memcmp(bytes.data(), magic.data(), magic.size()) != 0)
        return std::nullopt;
    return ServerCardData { field<std::int64_t>(bytes, since_at),
        field<std::uint64_t>(bytes, served_at) };
}

std::string server_card_name(std::string const& id)
{
    return id + ".info";
}

ServerCard::ServerCard(int dir_fd, std::string const& id, std::string const& dir_path,
    std::int64_t since_ns, std::uint64_t served)
{
    auto const name = server_card_name(id);
    auto const path = dir_path + "/" + name;
    Fd fd { sys::check(
        ::openat(dir_fd, name.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600),
        "create", path) };
    std::byte bytes[server_card_size] {};
    std::memcpy(bytes, magic.data(), magic.size());
    std::memcpy(bytes + since_at, &since_ns, sizeof(since_ns));
    std::memcpy(bytes + served_at, &served, sizeof(served));
    if (!sys::write_all(
            fd.get(), std::string_view(reinterpret_cast<char const*>(bytes), sizeof(bytes))))
        sys::check(-1, "write", path);
    void* address = map(fd.get(), PROT_READ | PROT_WRITE);
    if (!address)
        sys::check(-1, "mmap", path);
    m_served = reinterpret_cast<std::uint64_t*>(static_cast<std::byte*>(address) + served_at);
}

ServerCard::~ServerCard()
{
    if (m_served)
        ::munmap(reinterpret_cast<std::byte*>(m_served) - served_at, server_card_size);
}

ServerCard::ServerCard(ServerCard&& other) noexcept
    : m_served(std::exchange(other.m_served, nullptr))
{
}

ServerCard& ServerCard::operator=(ServerCard&& other) noexcept
{
    if (this != &other) {
        ServerCard old(std::move(*this));
        m_served = std::exchange(other.m_served, nullptr);
    }
    return *this;
}

std::uint64_t ServerCard::served() const noexcept
{
    return m_served ? std::atomic_ref<std::uint64_t>(*m_served).load(std::memory_order_relaxed) : 0;
}

std::optional<ServerCardData> read_server_card(int dir_fd, std::string const& id)
{
    Fd fd { ::openat(dir_fd, server_card_name(id).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) };
    struct stat info { };
    if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)
        || static_cast<std::size_t>(info.st_size) < server_card_size)
        return std::nullopt;
    void* address = map(fd.get(), PROT_READ);
    if (!address)
        return std::nullopt;
    auto const* bytes = static_cast<std::byte const*>(address);
    auto card = decode_server_card(std::span(bytes, server_card_size));
    if (card) // Its server may be counting: load the count as one.
        card->served = __atomic_load_n(
            reinterpret_cast<std::uint64_t const*>(bytes + served_at), __ATOMIC_RELAXED);
    ::munmap(address, server_card_size);
    return card;
}

}
