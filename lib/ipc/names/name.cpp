// A valid name contains no '/', no "..", no control characters and no
// wildcards, so it can be joined to a directory or printed as it is.

#include "ipc/names/name.hpp"

#include "ipc/core/error.hpp"

#include <fmt/format.h>

namespace ipc {

namespace {

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '_';
}

// How much of a name too long to be valid an error line shows.
constexpr std::size_t shown_prefix = 40;

}

bool is_valid_name(std::string_view name)
{
    if (name.size() > max_name_length)
        return false;
    bool token_empty = true;
    for (char c : name) {
        if (c == '.') {
            if (token_empty)
                return false;
            token_empty = true;
        } else if (is_name_char(c)) {
            token_empty = false;
        } else {
            return false;
        }
    }
    return !token_empty;
}

std::string parse_name(std::string_view name, std::string_view kind)
{
    if (name.size() > max_name_length)
        throw Error(Exit::Usage,
            fmt::format("{}...: not a valid {} name (at most {} characters)",
                printable(name.substr(0, shown_prefix)), kind, max_name_length));
    if (!is_valid_name(name))
        throw Error(Exit::Usage,
            fmt::format("{}: not a valid {} name (use letters, digits, '-', '_' joined by '.')",
                printable(name), kind));
    return std::string(name);
}

std::string printable(std::string_view text)
{
    if (text.empty())
        return "''";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto const byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7e || c == '\\')
            out += fmt::format("\\x{:02x}", byte);
        else
            out += c;
    }
    return out;
}

}
