#pragma once

// Topic patterns with NATS wildcards: '*' matches exactly one token, '>' (only
// as the last token) matches one or more. Parsing and matching are pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc {

class Pattern {
public:
    // nullopt when text is not a valid pattern (empty tokens, '*' inside a
    // token, '>' not last, bad characters, too long).
    static std::optional<Pattern> try_parse(std::string_view text);

    bool matches(std::string_view topic) const;
    // True when no wildcard is used: the pattern is a plain topic name.
    bool is_literal() const { return m_literal; }
    std::string const& text() const { return m_text; }
    // True when every topic that other matches, this one matches too.
    bool covers(Pattern const& other) const;

private:
    std::string m_text;
    std::vector<std::string> m_tokens;
    bool m_literal = true;
};

// Validates every pattern, or throws Error(Usage) naming the first bad one.
std::vector<Pattern> parse_patterns(std::vector<std::string> const& texts);

// patterns without each one that another covers (of equal ones, the first
// stays), in their order: a broker that delivers a message once per matching
// subscription then delivers it once. Partial overlaps ('a.*', '*.b') stay.
std::vector<Pattern> without_covered(std::vector<Pattern> const& patterns);
}
