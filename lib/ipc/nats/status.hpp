#pragma once

// The words of a cnats error, made into our message style. Pure, and built
// with or without cnats, so the unit tests cover it in every build.

#include <string>
#include <string_view>

namespace ipc::nats {

// What follows "what: " in an error line, from cnats' status text and the
// detail of its last error: "Not Permitted" and "nats: Permissions Violation
// for Publish to \"Secret\"" give "not permitted: permissions violation for
// publish to \"Secret\"". Title-case words are lowercased (acronyms such as
// SSL and quoted text are kept); a detail's "(conn.c:733): " source location
// and "nats: " prefix are dropped, and so is a detail that only repeats text.
std::string status_message(std::string_view text, std::string_view detail);

}
