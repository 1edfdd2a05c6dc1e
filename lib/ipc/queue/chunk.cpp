#include "ipc/queue/chunk.hpp"

namespace ipc::queue {

void append_end(std::string& ends, std::uint32_t end)
{
    char const bytes[4] = { static_cast<char>(end), static_cast<char>(end >> 8),
        static_cast<char>(end >> 16), static_cast<char>(end >> 24) };
    ends.append(bytes, sizeof bytes);
}

bool decode_ends(std::string_view ends, std::int64_t count, std::size_t data_size,
    std::vector<std::uint32_t>& out)
{
    out.clear();
    if (count < 1 || ends.size() / 4 != static_cast<std::uint64_t>(count) || ends.size() % 4 != 0)
        return false;
    out.reserve(static_cast<std::size_t>(count));
    std::uint32_t previous = 0;
    for (std::size_t at = 0; at < ends.size(); at += 4) {
        auto const byte = [&](std::size_t i) {
            return std::uint32_t { static_cast<unsigned char>(ends[at + i]) };
        };
        auto const end = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
        if (end < previous)
            return false;
        out.push_back(previous = end);
    }
    return previous == data_size;
}

std::string rebase_ends(std::vector<std::uint32_t> const& ends, std::size_t first)
{
    std::string out;
    out.reserve((ends.size() - first) * 4);
    auto const base = first == 0 ? 0 : ends[first - 1];
    for (auto i = first; i < ends.size(); ++i)
        append_end(out, ends[i] - base);
    return out;
}

}
