#pragma once

// Non-fatal diagnostics on stderr, prefixed with the program name, one line each.

#include <fmt/format.h>
#include <string_view>

namespace ipc {

// Set once by cli::run() from the program name; "ipc" until then.
void set_program_name(std::string_view name);
std::string_view program_name();

// Prints "program: message" on stderr. Never throws.
void warn_line(std::string_view message) noexcept;

template<typename... Args> void warn(fmt::format_string<Args...> format, Args&&... args)
{
    warn_line(fmt::format(format, std::forward<Args>(args)...));
}

}
