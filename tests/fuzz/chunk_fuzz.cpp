// Fuzzes the reading of a queue chunk's ends (ipc/queue/chunk.hpp). The
// input is COUNT (1 byte), DATA SIZE (2 bytes, little-endian), then the ends
// blob. What decodes must be exactly that blob's offsets, in order, ending at
// the data size, and every split of it must decode again.

#include "ipc/queue/chunk.hpp"
#include "require.hpp"

using ipc::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size < 3)
        return 0;
    auto const count = static_cast<std::int64_t>(data[0]);
    auto const data_size = std::size_t { data[1] } | std::size_t { data[2] } << 8;
    std::string_view const ends(reinterpret_cast<char const*>(data) + 3, size - 3);

    std::vector<std::uint32_t> offsets;
    if (!ipc::queue::decode_ends(ends, count, data_size, offsets))
        return 0;
    require(offsets.size() == static_cast<std::size_t>(count));
    require(offsets.back() == data_size);
    std::string again;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        require(i == 0 || offsets[i - 1] <= offsets[i]);
        ipc::queue::append_end(again, offsets[i]);
    }
    require(again == ends);
    for (std::size_t at = 1; at < offsets.size(); ++at) {
        std::vector<std::uint32_t> rest;
        require(ipc::queue::decode_ends(ipc::queue::rebase_ends(offsets, at),
            count - static_cast<std::int64_t>(at), data_size - offsets[at - 1], rest));
        require(rest.back() == data_size - offsets[at - 1]);
    }
    return 0;
}
