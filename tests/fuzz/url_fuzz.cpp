// Fuzzes --url parsing: any input either parses or says why, and a URL that
// parses reads back the same from its own text.

#include "ipc/names/url.hpp"
#include "require.hpp"

using ipc::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    std::string error;
    auto const url = ipc::try_parse_url(text, error);
    require(url.has_value() == error.empty());
    if (!url)
        return 0;
    require(url->server_urls().size() == url->servers.size());
    std::string again_error;
    auto const again = ipc::try_parse_url(url->text(), again_error);
    require(again.has_value() && again->text() == url->text() && again->tls == url->tls);
    return 0;
}
