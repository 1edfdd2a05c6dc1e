// Fuzzes ADDRESS parsing: any input either parses or says why, and an
// address that parses reads back the same from its own text.

#include "ipc/names/address.hpp"
#include "ipc/names/name.hpp"
#include "require.hpp"

using ipc::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    std::string error;
    auto const address = ipc::try_parse_address(text, error);
    require(address.has_value() == error.empty());
    if (!address)
        return 0;
    if (address->kind == ipc::Address::Kind::Name)
        require(ipc::is_valid_name(address->name) && address->name.find('/') == std::string::npos);
    std::string again_error;
    auto const again = ipc::try_parse_address(address->text(), again_error);
    require(again.has_value());
    require(again->kind == address->kind && again->name == address->name
        && again->path == address->path && again->host == address->host
        && again->port == address->port);
    return 0;
}
