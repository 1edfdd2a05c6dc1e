// Patterns are validated once, when parsed; matches() then walks the topic
// in place, comparing token by token without allocating, since a publisher
// calls it for every subscriber's patterns.

#include "ipc/names/pattern.hpp"

#include "ipc/core/error.hpp"
#include "ipc/names/name.hpp"

#include <fmt/format.h>

namespace ipc {

namespace {

// Why text is not a valid pattern, or nullptr when it is one.
char const* pattern_problem(std::string_view text)
{
    if (text.empty())
        return "it is empty";
    if (text.size() > max_name_length)
        return "it is too long";
    std::size_t start = 0;
    while (true) {
        auto const dot = text.find('.', start);
        auto const token = text.substr(start, dot == text.npos ? text.npos : dot - start);
        if (token.empty())
            return "a token is empty; tokens are joined by single dots";
        if (token == ">" && dot != text.npos)
            return "'>' may only be the last token";
        if (token != "*" && token != ">" && !is_valid_name(token)) {
            if (token.find_first_of("*>") != token.npos)
                return "'*' and '>' must be whole tokens";
            return "use letters, digits, '-', '_' joined by '.', '*' for one token, '>' for the "
                   "rest";
        }
        if (dot == text.npos)
            return nullptr;
        start = dot + 1;
    }
}

}

std::optional<Pattern> Pattern::try_parse(std::string_view text)
{
    if (pattern_problem(text))
        return std::nullopt;
    Pattern pattern;
    pattern.m_text = text;
    std::size_t start = 0;
    while (true) {
        auto const dot = text.find('.', start);
        auto& token = pattern.m_tokens.emplace_back(
            text.substr(start, dot == text.npos ? text.npos : dot - start));
        if (token == "*" || token == ">")
            pattern.m_literal = false;
        if (dot == text.npos)
            return pattern;
        start = dot + 1;
    }
}

bool Pattern::matches(std::string_view topic) const
{
    if (m_literal)
        return topic == m_text;
    if (topic.size() > max_name_length)
        return false;
    std::string_view rest = topic;
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        auto const& token = m_tokens[i];
        if (token == ">")
            return is_valid_name(rest); // One or more tokens, none empty.
        auto const dot = rest.find('.');
        auto const part = rest.substr(0, dot);
        if (token == "*" ? !is_valid_name(part) : part != token)
            return false;
        if (dot == rest.npos)
            return i + 1 == m_tokens.size();
        rest.remove_prefix(dot + 1);
    }
    return false; // The topic has more tokens than the pattern.
}

bool Pattern::covers(Pattern const& other) const
{
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        auto const& token = m_tokens[i];
        if (i == other.m_tokens.size())
            return false; // other's topics end where ours need another token.
        auto const& theirs = other.m_tokens[i];
        if (token == ">")
            return true; // One or more tokens: other has at least one here.
        if (theirs == ">")
            return false; // other takes any length; we take one.
        if (token != "*" && token != theirs)
            return false; // A literal covers only the same literal.
    }
    return m_tokens.size() == other.m_tokens.size();
}

std::vector<Pattern> without_covered(std::vector<Pattern> const& patterns)
{
    std::vector<Pattern> kept;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        bool covered = false;
        for (std::size_t j = 0; j < patterns.size() && !covered; ++j) {
            if (i == j || !patterns[j].covers(patterns[i]))
                continue;
            // Equal patterns cover each other: the first of them stays.
            covered = !patterns[i].covers(patterns[j]) || j < i;
        }
        if (!covered)
            kept.push_back(patterns[i]);
    }
    return kept;
}

std::vector<Pattern> parse_patterns(std::vector<std::string> const& texts)
{
    std::vector<Pattern> patterns;
    patterns.reserve(texts.size());
    for (auto const& text : texts) {
        if (text.size() > max_name_length)
            throw Error(Exit::Usage,
                fmt::format("{}...: not a valid pattern (at most {} characters)",
                    printable(std::string_view(text).substr(0, 40)), max_name_length));
        if (auto const* problem = pattern_problem(text))
            throw Error(
                Exit::Usage, fmt::format("{}: not a valid pattern ({})", printable(text), problem));
        patterns.push_back(*Pattern::try_parse(text));
    }
    return patterns;
}

}
