// Fuzzes the decoders of what other processes say about themselves: NATS
// census answers (a subscriber's and a server's), local registrations
// (sub/ID.pat) and server cards (svc/NAME/ID.info). What decodes must be
// valid: patterns that parse, a service name that is a name.

#include "ipc/names/name.hpp"
#include "ipc/nats/census_text.hpp"
#include "ipc/pubsub/local_registry.hpp"
#include "ipc/reqrep/server_card.hpp"
#include "require.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

using ipc::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    if (auto const info = ipc::nats::decode_census_answer(text))
        for (auto const& pattern : info->patterns)
            require(ipc::Pattern::try_parse(pattern).has_value());
    if (auto const server = ipc::nats::decode_server_answer(text))
        require(ipc::is_valid_name(server->name));
    if (auto const registration = ipc::pubsub::decode_registration("id", text))
        require(registration->since_ns >= 0);
    (void)ipc::reqrep::decode_server_card(
        std::span(reinterpret_cast<std::byte const*>(data), size));
    return 0;
}
