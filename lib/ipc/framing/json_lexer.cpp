// The JSON tokens of envelope lines (json_lexer.hpp). Strings are copied in
// runs between escapes; the text was checked for UTF-8 once as a whole, so
// bytes of 0x80 and over pass through as they are.

#include "ipc/framing/json_lexer.hpp"

#include "ipc/core/utf8.hpp"

#include <fmt/format.h>

#include <charconv>

namespace ipc::framing {

bool JsonLexer::check_utf8()
{
    m_at = utf8_prefix_length(m_text);
    if (m_at != m_text.size())
        return fail("invalid UTF-8");
    m_at = 0;
    return true;
}

bool JsonLexer::fail(std::string_view reason)
{
    m_error = fmt::format("{} at column {}", reason, m_at + 1);
    return false;
}

bool JsonLexer::reject(std::string reason)
{
    m_error = std::move(reason);
    return false;
}

bool JsonLexer::consume(char c)
{
    if (m_at == m_text.size() || m_text[m_at] != c)
        return false;
    ++m_at;
    return true;
}

void JsonLexer::skip_space()
{
    while (m_at < m_text.size()
        && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\r'
            || m_text[m_at] == '\n'))
        ++m_at;
}

bool JsonLexer::read_string(std::string& out)
{
    out.clear();
    ++m_at;
    for (;;) {
        std::size_t const start = m_at;
        while (m_at < m_text.size()) {
            auto const c = static_cast<unsigned char>(m_text[m_at]);
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            ++m_at;
        }
        out.append(m_text.substr(start, m_at - start));
        if (m_at == m_text.size())
            return fail("unterminated string");
        char const c = m_text[m_at];
        if (c == '"') {
            ++m_at;
            return true;
        }
        if (c != '\\')
            return fail("control character in a string (escape it)");
        ++m_at;
        if (!read_escape(out))
            return false;
    }
}

bool JsonLexer::read_escape(std::string& out)
{
    static constexpr std::string_view escapes = "\"\\/bfnrt";
    static constexpr std::string_view values = "\"\\/\b\f\n\r\t";
    char const c = peek();
    if (c == 'u') {
        ++m_at;
        return read_unicode(out);
    }
    auto const found = escapes.find(c);
    if (c == '\0' || found == std::string_view::npos)
        return fail("invalid escape in a string");
    out += values[found];
    ++m_at;
    return true;
}

// After "\u": four hex digits, or a surrogate pair as two escapes.
bool JsonLexer::read_unicode(std::string& out)
{
    std::uint32_t code = 0;
    if (!read_hex4(code))
        return false;
    if (code >= 0xDC00 && code <= 0xDFFF)
        return fail("unpaired surrogate in a \\u escape");
    if (code >= 0xD800 && code <= 0xDBFF) {
        std::uint32_t low = 0;
        if (m_text.substr(m_at, 2) != "\\u")
            return fail("unpaired surrogate in a \\u escape");
        m_at += 2;
        if (!read_hex4(low))
            return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail("unpaired surrogate in a \\u escape");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
    return true;
}

bool JsonLexer::read_hex4(std::uint32_t& value)
{
    char const* const first = m_text.data() + m_at;
    if (m_text.size() - m_at < 4 || std::from_chars(first, first + 4, value, 16).ptr != first + 4)
        return fail("invalid \\u escape (expected four hex digits)");
    m_at += 4;
    return true;
}

bool JsonLexer::skip_scalar()
{
    switch (peek()) {
    case '"':
        return read_string(m_scratch);
    case 't':
        return skip_literal("true");
    case 'f':
        return skip_literal("false");
    case 'n':
        return skip_literal("null");
    default:
        return skip_number();
    }
}

bool JsonLexer::skip_digits()
{
    std::size_t const start = m_at;
    while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9')
        ++m_at;
    return m_at > start;
}

bool JsonLexer::skip_number()
{
    consume('-');
    if (!consume('0') && !skip_digits())
        return fail("expected a value");
    if (consume('.') && !skip_digits())
        return fail("invalid number");
    if (consume('e') || consume('E')) {
        if (!consume('+'))
            consume('-');
        if (!skip_digits())
            return fail("invalid number");
    }
    return true;
}

bool JsonLexer::skip_literal(std::string_view literal)
{
    if (m_text.substr(m_at, literal.size()) != literal)
        return fail("expected a value");
    m_at += literal.size();
    return true;
}

}
