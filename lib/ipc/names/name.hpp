#pragma once

// Names of topics, services and queues: [A-Za-z0-9_-] tokens joined by '.'.
// The check is pure; a name that passes is safe to use as one path component.

#include <string>
#include <string_view>
#include <vector>

namespace ipc {

// The longest name accepted, so a name always fits in a file name.
inline constexpr std::size_t max_name_length = 200;

// True for "a", "sensors.temp", "build-42.log_x"; false for "", ".a", "a..b", "a/b", "*".
bool is_valid_name(std::string_view name);

// Validates, or throws Error(Usage): "NAME: not a valid KIND name (use letters, ...)".
// kind is "topic", "service" or "queue".
std::string parse_name(std::string_view name, std::string_view kind);

// text made safe for a one-line message: bytes outside printable ASCII and
// '\\' become \xNN, an empty text becomes ''. For names, patterns and paths.
std::string printable(std::string_view text);

}
