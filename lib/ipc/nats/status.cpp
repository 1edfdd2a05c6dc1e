#include "ipc/nats/status.hpp"

#include <algorithm>
#include <cctype>

namespace ipc::nats {

namespace {

bool is_upper(char c)
{
    return std::isupper(static_cast<unsigned char>(c)) != 0;
}

bool is_lower(char c)
{
    return std::islower(static_cast<unsigned char>(c)) != 0;
}

// "Permissions Violation for \"Secret\"" -> "permissions violation for \"Secret\"".
std::string sentence_case(std::string_view text)
{
    std::string out(text);
    bool quoted = false;
    for (std::size_t at = 0; at < out.size(); ++at) {
        if (out[at] == '"')
            quoted = !quoted;
        bool const word_start = at == 0 || !std::isalnum(static_cast<unsigned char>(out[at - 1]));
        if (!quoted && word_start && is_upper(out[at]) && at + 1 < out.size()
            && is_lower(out[at + 1]))
            out[at] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[at])));
    }
    return out;
}

std::string_view without_prefixes(std::string_view detail)
{
    if (detail.starts_with('(')) // "(conn.c:733): SSL handshake error: ..."
        if (auto const end = detail.find("): "); end != detail.npos)
            detail.remove_prefix(end + 3);
    if (detail.starts_with("nats: "))
        detail.remove_prefix(6);
    return detail;
}

bool same_words(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x))
            == std::tolower(static_cast<unsigned char>(y));
    });
}

}

std::string status_message(std::string_view text, std::string_view detail)
{
    detail = without_prefixes(detail);
    auto message = sentence_case(text);
    if (!detail.empty() && !same_words(text, detail))
        message += ": " + sentence_case(detail);
    return message;
}

}
