#pragma once

// JSON Lines envelopes for --json: one object per line with "data" and its
// metadata. Data that is not valid UTF-8 is base64 with "encoding":"base64";
// headers are an object of arrays of strings: "headers":{"K":["v1","v2"]}.
// The decoder is pure and fuzzed; it accepts any JSON object whose "data" is a
// string, ignores unknown members, and refuses everything else with a reason.

#include "ipc/core/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipc::framing {

// Extra members for an envelope, such as {"id", "42"}: key, and the value as raw JSON.
using JsonFields = std::vector<std::pair<std::string_view, std::string>>;

// Appends one envelope line (with the trailing '\n') to out.
// Member order: topic (when set), data, encoding (when base64), time (when
// set), headers (when there are some), then extra.
void append_json(std::string& out, MessageView const& message, JsonFields const& extra = {});

struct JsonEnvelope {
    std::string data;
    std::string topic; // Empty when absent.
    std::int64_t time_ns = 0; // From "time" in RFC 3339; 0 when absent.
    std::string headers; // The encoded block (core/headers.hpp); empty when absent.
};

// Decodes one line (without its '\n'). On failure returns nullopt and sets
// error to a short reason, e.g. "expected a JSON object at column 1" or
// "\"data\" is missing". Safe on any bytes; nesting is bounded (64 levels).
// Headers must be valid (core/headers.hpp): a key given twice, a key without
// values or a value that is not a string are refused.
std::optional<JsonEnvelope> parse_json(std::string_view line, std::string& error);

// A quoted, escaped JSON string. Bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view utf8);

}
