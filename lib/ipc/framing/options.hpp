#pragma once

// How messages are cut out of stdin and written to stdout (DESIGN section 4).

#include "ipc/core/limits.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace ipc::framing {

enum class Mode {
    Line, // One message per line; '\n' stripped on input, added on output.
    Nul, // -0: NUL-terminated.
    Delimiter, // --delimiter C.
    Whole, // --whole: all of the input is one message.
    Length, // --len: 4-byte big-endian length, then the bytes.
};

struct Options {
    Mode mode = Mode::Line;
    char delimiter = '\n'; // Used by Mode::Delimiter (and set for Line and Nul).
    bool json = false; // JSON Lines envelopes; Mode stays Line.
    bool line_buffered = false; // Output: flush after every message.
    bool topic_prefix = false; // Output (-v): "TOPIC DATA" instead of "DATA".
    std::size_t max_size = default_max_size; // Input: longest message accepted.
};

// The byte that ends each message in a delimited framing (lines, -0,
// --delimiter); nullopt for --whole and --len, whose messages stand alone.
std::optional<char> terminator(Options const& options);

// "," or one of the escapes \n \t \0 \\; nullopt for anything else.
std::optional<char> parse_delimiter(std::string_view text);

}
