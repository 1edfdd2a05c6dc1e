// Reads --json envelopes (json.hpp): one JSON object per line, whose known
// members are kept and whose other members are skipped, however deeply they
// nest. It never recurses: the line is walked with an explicit, bounded stack
// of open containers, so no input can exhaust the stack or take unbounded work.

#include "ipc/core/headers.hpp"
#include "ipc/core/time.hpp"
#include "ipc/framing/base64.hpp"
#include "ipc/framing/json.hpp"
#include "ipc/framing/json_lexer.hpp"

#include <fmt/format.h>

#include <array>
#include <span>

namespace ipc::framing {

namespace {

// Unknown members may hold nested values; deeper ones are refused rather
// than risking the stack or unbounded work.
constexpr std::size_t max_depth = 64;

class Parser {
public:
    Parser(std::string_view text, std::string& error)
        : m_in(text, error)
    {
    }

    std::optional<JsonEnvelope> parse();

private:
    bool parse_object(JsonEnvelope& envelope);
    std::string* member_target(JsonEnvelope& envelope);
    bool close(std::span<char> closers, std::size_t& depth);
    bool parse_member_name();
    bool parse_headers(std::string& block);
    bool parse_values(HeadersBuilder& builder);
    bool reject_header(std::string_view what);
    bool finish(JsonEnvelope& envelope);

    JsonLexer m_in;
    std::string m_key; // The last member name read.
    std::string m_value; // The last header value read.
    bool m_has_data = false;
    std::optional<std::string> m_encoding;
    std::optional<std::string> m_time;
};

std::optional<JsonEnvelope> Parser::parse()
{
    JsonEnvelope envelope;
    if (!m_in.check_utf8() || !parse_object(envelope) || !finish(envelope))
        return std::nullopt;
    return envelope;
}

bool Parser::parse_object(JsonEnvelope& envelope)
{
    m_in.skip_space();
    if (m_in.peek() != '{')
        return m_in.fail("expected a JSON object");
    std::array<char, max_depth> closers {};
    std::size_t depth = 0;
    do {
        m_in.skip_space();
        char const c = m_in.peek();
        std::string* const target = depth == 1 ? member_target(envelope) : nullptr;
        if (target != nullptr) {
            if (c != '"')
                return m_in.reject(fmt::format("\"{}\" is not a string", m_key));
            if (!m_in.read_string(*target))
                return false;
        } else if (depth == 1 && m_key == "headers") {
            if (!parse_headers(envelope.headers))
                return false;
        } else if (c == '{' || c == '[') {
            if (depth == max_depth)
                return m_in.fail(fmt::format("values nested deeper than {} levels", max_depth));
            m_in.consume(c);
            m_in.skip_space();
            char const closer = c == '{' ? '}' : ']';
            if (!m_in.consume(closer)) {
                closers[depth++] = closer;
                if (closer == '}' && !parse_member_name())
                    return false;
                continue; // On to the first element.
            }
        } else if (!m_in.skip_scalar()) {
            return false;
        }
        if (!close(closers, depth))
            return false;
    } while (depth > 0);
    m_in.skip_space();
    return m_in.at_end() || m_in.fail("unexpected text after the object");
}

// Where the value of the outer member m_key goes, or null to skip it.
// Duplicates: the last one wins.
std::string* Parser::member_target(JsonEnvelope& envelope)
{
    if (m_key == "data") {
        m_has_data = true;
        return &envelope.data;
    }
    if (m_key == "topic")
        return &envelope.topic;
    if (m_key == "encoding")
        return &m_encoding.emplace();
    if (m_key == "time")
        return &m_time.emplace();
    return nullptr;
}

// After a value: closes the containers it completes, then consumes the ','
// (and the member name) before the next element, if any.
bool Parser::close(std::span<char> closers, std::size_t& depth)
{
    while (depth > 0) {
        m_in.skip_space();
        if (m_in.consume(closers[depth - 1])) {
            --depth;
            continue;
        }
        if (!m_in.consume(','))
            return m_in.fail(fmt::format("expected ',' or '{}'", closers[depth - 1]));
        return closers[depth - 1] == ']' || parse_member_name();
    }
    return true;
}

bool Parser::parse_member_name()
{
    m_in.skip_space();
    if (m_in.peek() != '"')
        return m_in.fail("expected a member name in double quotes");
    if (!m_in.read_string(m_key))
        return false;
    m_in.skip_space();
    return m_in.consume(':') || m_in.fail("expected ':' after a member name");
}

// The value of "headers": an object whose members are arrays of strings,
// {"K":["v1","v2"]}, encoded into block as it is read.
bool Parser::parse_headers(std::string& block)
{
    if (!m_in.consume('{'))
        return m_in.reject("\"headers\" is not an object");
    HeadersBuilder builder;
    m_in.skip_space();
    if (!m_in.consume('}')) {
        do {
            if (!parse_member_name())
                return false;
            m_in.skip_space();
            if (!m_in.consume('['))
                return reject_header("is not an array of strings");
            builder.add_key(m_key);
            if (!parse_values(builder))
                return false;
            m_in.skip_space();
        } while (m_in.consume(','));
        if (!m_in.consume('}'))
            return m_in.fail("expected ',' or '}'");
    }
    std::string problem;
    auto encoded = builder.finish(problem);
    if (!encoded)
        return m_in.reject(std::move(problem));
    block = std::move(*encoded);
    return true;
}

// The strings of one header's array, after its '['.
bool Parser::parse_values(HeadersBuilder& builder)
{
    m_in.skip_space();
    if (m_in.consume(']'))
        return true; // No values: the builder refuses the key.
    do {
        m_in.skip_space();
        if (m_in.peek() != '"')
            return reject_header("has a value that is not a string");
        if (!m_in.read_string(m_value))
            return false;
        builder.add_value(m_value);
        m_in.skip_space();
    } while (m_in.consume(','));
    return m_in.consume(']') || m_in.fail("expected ',' or ']'");
}

// 'header "K" WHAT', with the key as a JSON string: it may hold anything.
bool Parser::reject_header(std::string_view what)
{
    std::string key;
    append_json_string(key, m_key);
    return m_in.reject(fmt::format("header {} {}", key, what));
}

bool Parser::finish(JsonEnvelope& envelope)
{
    if (!m_has_data)
        return m_in.reject("\"data\" is missing");
    if (m_encoding == "base64") {
        auto decoded = decode_base64(envelope.data);
        if (!decoded)
            return m_in.reject("\"data\" is not valid base64");
        envelope.data = std::move(*decoded);
    } else if (m_encoding && *m_encoding != "utf-8") {
        return m_in.reject("unknown \"encoding\" (expected \"base64\" or \"utf-8\")");
    }
    if (m_time) {
        auto const time = parse_rfc3339(*m_time);
        if (!time)
            return m_in.reject("\"time\" is not an RFC 3339 date-time");
        envelope.time_ns = *time;
    }
    return true;
}

}

std::optional<JsonEnvelope> parse_json(std::string_view line, std::string& error)
{
    return Parser(line, error).parse();
}

}
