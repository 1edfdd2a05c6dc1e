#pragma once

// Base64 (RFC 4648, the standard alphabet) for binary data in --json
// envelopes. Pure; the decoder refuses anything but well-formed base64.

#include <optional>
#include <string>
#include <string_view>

namespace ipc::framing {

// Appends bytes in base64, padded with '='.
void append_base64(std::string& out, std::string_view bytes);

// The bytes text encodes; padding is optional, but when present it must
// complete the last group. nullopt for any other character or a cut group.
std::optional<std::string> decode_base64(std::string_view text);

}
