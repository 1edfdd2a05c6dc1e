#include "ipc/framing/options.hpp"

namespace ipc::framing {

std::optional<char> terminator(Options const& options)
{
    switch (options.mode) {
    case Mode::Line:
        return '\n';
    case Mode::Nul:
        return '\0';
    case Mode::Delimiter:
        return options.delimiter;
    case Mode::Whole:
    case Mode::Length:
        break;
    }
    return std::nullopt;
}

std::optional<char> parse_delimiter(std::string_view text)
{
    if (text.size() == 1)
        return text[0];
    if (text.size() != 2 || text[0] != '\\')
        return std::nullopt;
    switch (text[1]) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case '0':
        return '\0';
    case '\\':
        return '\\';
    default:
        return std::nullopt;
    }
}

}
