#pragma once

// The tokens of JSON text (RFC 8259) for the envelope parser: strings with
// their escapes decoded, numbers and literals checked and skipped. Pure; a
// syntax error sets the caller's error string, naming its column.

#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::framing {

class JsonLexer {
public:
    JsonLexer(std::string_view text, std::string& error)
        : m_text(text)
        , m_error(error)
    {
    }

    // Each returns false when the text is not what it reads, with error set.

    // Whether all of the text is UTF-8 ("invalid UTF-8 at column N" if not);
    // the other readers rely on it.
    bool check_utf8();
    // A syntax error: "REASON at column N".
    bool fail(std::string_view reason);
    // An error of meaning, worded by the caller, without a place.
    bool reject(std::string reason);

    char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }
    bool at_end() const { return m_at == m_text.size(); }
    bool consume(char c);
    void skip_space();

    // A string from its opening quote, decoded into out.
    bool read_string(std::string& out);
    // A string, number, true, false or null.
    bool skip_scalar();

private:
    bool read_escape(std::string& out);
    bool read_unicode(std::string& out);
    bool read_hex4(std::uint32_t& value);
    bool skip_digits();
    bool skip_number();
    bool skip_literal(std::string_view literal);

    std::string_view m_text;
    std::string& m_error;
    std::size_t m_at = 0;
    std::string m_scratch; // Strings that are skipped.
};

}
