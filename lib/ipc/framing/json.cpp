// One file on purpose, though past the usual size: the envelope parser and the
// UTF-8, base64 and RFC 3339 codecs it is built from form one decoder, fuzzed
// as a unit, whose helpers are private to it.

#include "ipc/framing/json.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <span>

namespace ipc::framing {

namespace {

// Unknown members may hold nested values; deeper ones are refused rather
// than risking the stack or unbounded work.
constexpr std::size_t max_depth = 64;

// The length of the valid UTF-8 sequence at the front of bytes, or 0 when it
// is not one (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t sequence_length(unsigned char const* bytes, std::size_t left)
{
    auto const in = [&](std::size_t at, unsigned low, unsigned high) {
        return at < left && bytes[at] >= low && bytes[at] <= high;
    };
    unsigned const first = bytes[0];
    if (first < 0x80)
        return 1;
    if (first < 0xC2)
        return 0;
    if (first < 0xE0)
        return in(1, 0x80, 0xBF) ? 2 : 0;
    if (first < 0xF0) {
        unsigned const low = first == 0xE0 ? 0xA0 : 0x80;
        unsigned const high = first == 0xED ? 0x9F : 0xBF;
        return in(1, low, high) && in(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (first < 0xF5) {
        unsigned const low = first == 0xF0 ? 0x90 : 0x80;
        unsigned const high = first == 0xF4 ? 0x8F : 0xBF;
        return in(1, low, high) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

// How many bytes from the front of text are valid UTF-8.
std::size_t utf8_prefix_length(std::string_view text)
{
    auto const* bytes = reinterpret_cast<unsigned char const*>(text.data());
    std::size_t const size = text.size();
    std::size_t at = 0;
    while (at < size) {
        if (size - at >= 8) {
            // Eight ASCII bytes at a time: the common case for text.
            std::uint64_t word;
            std::memcpy(&word, bytes + at, sizeof word);
            if ((word & 0x8080808080808080ULL) == 0) {
                at += 8;
                continue;
            }
        }
        std::size_t const length = sequence_length(bytes + at, size - at);
        if (length == 0)
            return at;
        at += length;
    }
    return at;
}

void append_utf8(std::string& out, std::uint32_t code)
{
    auto const byte = [&](std::uint32_t value) { out += static_cast<char>(value); };
    if (code < 0x80) {
        byte(code);
    } else if (code < 0x800) {
        byte(0xC0 | (code >> 6));
        byte(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        byte(0xE0 | (code >> 12));
        byte(0x80 | ((code >> 6) & 0x3F));
        byte(0x80 | (code & 0x3F));
    } else {
        byte(0xF0 | (code >> 18));
        byte(0x80 | ((code >> 12) & 0x3F));
        byte(0x80 | ((code >> 6) & 0x3F));
        byte(0x80 | (code & 0x3F));
    }
}

void append_escape(std::string& out, unsigned char byte)
{
    static constexpr std::string_view escaped = "\"\\\n\r\t\b\f";
    static constexpr std::string_view letters = "\"\\nrtbf";
    auto const found = escaped.find(static_cast<char>(byte));
    if (found != std::string_view::npos) {
        out += '\\';
        out += letters[found];
    } else {
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(byte));
    }
}

constexpr char base64_alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> base64_values = [] {
    std::array<signed char, 256> values {};
    values.fill(-1);
    for (int i = 0; i < 64; ++i)
        values[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<signed char>(i);
    return values;
}();

// "2026-11-27T04:42:38.123456Z": RFC 3339, UTC, microseconds.
void append_time(std::string& out, std::int64_t time_ns)
{
    using namespace std::chrono;
    sys_time<nanoseconds> const time { nanoseconds { time_ns } };
    auto const day = floor<days>(time);
    year_month_day const date { day };
    hh_mm_ss const clock { floor<microseconds>(time - day) };
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
        static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(),
        clock.seconds().count(), clock.subseconds().count());
}

// Reads text at `at` against a pattern in which 'd' is a digit, 'T' is any of
// "Tt " (RFC 3339 allows those) and anything else is itself. Each run of
// digits is one field, in order.
bool read_pattern(
    std::string_view text, std::size_t& at, std::string_view pattern, std::span<int> fields)
{
    if (text.size() - at < pattern.size())
        return false;
    std::size_t field = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i, ++at) {
        char const c = text[at];
        if (pattern[i] == 'd') {
            if (c < '0' || c > '9')
                return false;
            fields[field] = fields[field] * 10 + (c - '0');
        } else if (c == pattern[i] || (pattern[i] == 'T' && (c == 't' || c == ' '))) {
            ++field; // Each separator ends a field in our patterns.
        } else {
            return false;
        }
    }
    return true;
}

// Nanoseconds from an optional fraction ".123"; nullopt when malformed.
std::optional<std::int64_t> read_fraction(std::string_view text, std::size_t& at)
{
    if (at == text.size() || text[at] != '.')
        return 0;
    std::int64_t nanoseconds = 0;
    std::size_t digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits)
        if (digits < 9)
            nanoseconds = nanoseconds * 10 + (text[at] - '0');
    for (std::size_t i = digits; i < 9; ++i)
        nanoseconds *= 10;
    return digits > 0 ? std::optional(nanoseconds) : std::nullopt;
}

// "Z" or "+HH:MM"/"-HH:MM", as seconds east of UTC; nullopt when malformed.
std::optional<std::int64_t> read_offset(std::string_view text, std::size_t& at)
{
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
        return 0;
    }
    if (at == text.size() || (text[at] != '+' && text[at] != '-'))
        return std::nullopt;
    int const sign = text[at++] == '-' ? -1 : 1;
    std::array<int, 2> fields {};
    if (!read_pattern(text, at, "dd:dd", fields) || fields[0] > 23 || fields[1] > 59)
        return std::nullopt;
    return sign * (fields[0] * 3600 + fields[1] * 60);
}

// An RFC 3339 date-time as Unix nanoseconds; nullopt if malformed or outside
// what int64 nanoseconds can hold (years 1678 to 2261).
std::optional<std::int64_t> parse_time(std::string_view text)
{
    std::size_t at = 0;
    std::array<int, 6> fields {};
    if (!read_pattern(text, at, "dddd-dd-ddTdd:dd:dd", fields))
        return std::nullopt;
    auto const [year, month, day, hour, minute, second] = fields;
    auto const fraction = read_fraction(text, at);
    auto const offset = read_offset(text, at);
    std::chrono::year_month_day const date { std::chrono::year { year },
        std::chrono::month { static_cast<unsigned>(month) },
        std::chrono::day { static_cast<unsigned>(day) } };
    if (!fraction || !offset || at != text.size() || !date.ok() || year < 1678 || year > 2261
        || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::int64_t const days = std::chrono::sys_days { date }.time_since_epoch().count();
    std::int64_t const seconds = days * 86400 + hour * 3600 + minute * 60 + second - *offset;
    return seconds * 1'000'000'000 + *fraction;
}

// A strict JSON reader for one envelope line. It never recurses: the line is
// walked with an explicit, bounded stack of open containers, and the string
// members of the outer object whose names it knows are kept.
class Parser {
public:
    Parser(std::string_view text, std::string& error)
        : m_text(text)
        , m_error(error)
    {
    }

    std::optional<JsonEnvelope> parse();

private:
    bool fail(std::string_view reason); // A syntax error, located by its column.
    bool reject(std::string reason);
    char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }
    bool consume(char c);
    void skip_space();
    bool parse_object(JsonEnvelope& envelope);
    std::string* member_target(JsonEnvelope& envelope);
    bool close(std::span<char> closers, std::size_t& depth);
    bool parse_member_name();
    bool finish(JsonEnvelope& envelope);
    bool parse_string(std::string& out);
    bool parse_escape(std::string& out);
    bool parse_unicode(std::string& out);
    bool parse_hex4(std::uint32_t& value);
    bool skip_scalar();
    bool skip_digits();
    bool skip_number();
    bool skip_literal(std::string_view literal);

    std::string_view m_text;
    std::string& m_error;
    std::size_t m_at = 0;
    std::string m_key; // The last member name read.
    std::string m_scratch;
    bool m_has_data = false;
    std::optional<std::string> m_encoding;
    std::optional<std::string> m_time;
};

bool Parser::fail(std::string_view reason)
{
    m_error = fmt::format("{} at column {}", reason, m_at + 1);
    return false;
}

bool Parser::reject(std::string reason)
{
    m_error = std::move(reason);
    return false;
}

bool Parser::consume(char c)
{
    if (m_at == m_text.size() || m_text[m_at] != c)
        return false;
    ++m_at;
    return true;
}

void Parser::skip_space()
{
    while (m_at < m_text.size()
        && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\r'
            || m_text[m_at] == '\n'))
        ++m_at;
}

std::optional<JsonEnvelope> Parser::parse()
{
    m_at = utf8_prefix_length(m_text);
    if (m_at != m_text.size()) {
        fail("invalid UTF-8");
        return std::nullopt;
    }
    m_at = 0;
    JsonEnvelope envelope;
    if (!parse_object(envelope) || !finish(envelope))
        return std::nullopt;
    return envelope;
}

bool Parser::parse_object(JsonEnvelope& envelope)
{
    skip_space();
    if (peek() != '{')
        return fail("expected a JSON object");
    std::array<char, max_depth> closers {};
    std::size_t depth = 0;
    do {
        skip_space();
        char const c = peek();
        std::string* const target = depth == 1 ? member_target(envelope) : nullptr;
        if (target != nullptr) {
            if (c != '"')
                return reject(fmt::format("\"{}\" is not a string", m_key));
            if (!parse_string(*target))
                return false;
        } else if (c == '{' || c == '[') {
            if (depth == max_depth)
                return fail(fmt::format("values nested deeper than {} levels", max_depth));
            ++m_at;
            skip_space();
            char const closer = c == '{' ? '}' : ']';
            if (!consume(closer)) {
                closers[depth++] = closer;
                if (closer == '}' && !parse_member_name())
                    return false;
                continue; // On to the first element.
            }
        } else if (!skip_scalar()) {
            return false;
        }
        if (!close(closers, depth))
            return false;
    } while (depth > 0);
    skip_space();
    return m_at == m_text.size() || fail("unexpected text after the object");
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
        skip_space();
        if (consume(closers[depth - 1])) {
            --depth;
            continue;
        }
        if (!consume(','))
            return fail(fmt::format("expected ',' or '{}'", closers[depth - 1]));
        return closers[depth - 1] == ']' || parse_member_name();
    }
    return true;
}

bool Parser::parse_member_name()
{
    skip_space();
    if (peek() != '"')
        return fail("expected a member name in double quotes");
    if (!parse_string(m_key))
        return false;
    skip_space();
    return consume(':') || fail("expected ':' after a member name");
}

bool Parser::finish(JsonEnvelope& envelope)
{
    if (!m_has_data)
        return reject("\"data\" is missing");
    if (m_encoding == "base64") {
        auto decoded = decode_base64(envelope.data);
        if (!decoded)
            return reject("\"data\" is not valid base64");
        envelope.data = std::move(*decoded);
    } else if (m_encoding && *m_encoding != "utf-8") {
        return reject("unknown \"encoding\" (expected \"base64\" or \"utf-8\")");
    }
    if (m_time) {
        auto const time = parse_time(*m_time);
        if (!time)
            return reject("\"time\" is not an RFC 3339 date-time");
        envelope.time_ns = *time;
    }
    return true;
}

// A string starting at its opening quote; the line is known to be UTF-8.
bool Parser::parse_string(std::string& out)
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
        if (!parse_escape(out))
            return false;
    }
}

bool Parser::parse_escape(std::string& out)
{
    static constexpr std::string_view escapes = "\"\\/bfnrt";
    static constexpr std::string_view values = "\"\\/\b\f\n\r\t";
    char const c = peek();
    if (c == 'u') {
        ++m_at;
        return parse_unicode(out);
    }
    auto const found = escapes.find(c);
    if (c == '\0' || found == std::string_view::npos)
        return fail("invalid escape in a string");
    out += values[found];
    ++m_at;
    return true;
}

// After "\u": four hex digits, or a surrogate pair as two escapes.
bool Parser::parse_unicode(std::string& out)
{
    std::uint32_t code = 0;
    if (!parse_hex4(code))
        return false;
    if (code >= 0xDC00 && code <= 0xDFFF)
        return fail("unpaired surrogate in a \\u escape");
    if (code >= 0xD800 && code <= 0xDBFF) {
        std::uint32_t low = 0;
        if (m_text.substr(m_at, 2) != "\\u")
            return fail("unpaired surrogate in a \\u escape");
        m_at += 2;
        if (!parse_hex4(low))
            return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail("unpaired surrogate in a \\u escape");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
    return true;
}

bool Parser::parse_hex4(std::uint32_t& value)
{
    char const* const first = m_text.data() + m_at;
    if (m_text.size() - m_at < 4 || std::from_chars(first, first + 4, value, 16).ptr != first + 4)
        return fail("invalid \\u escape (expected four hex digits)");
    m_at += 4;
    return true;
}

bool Parser::skip_scalar()
{
    switch (peek()) {
    case '"':
        return parse_string(m_scratch);
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

bool Parser::skip_digits()
{
    std::size_t const start = m_at;
    while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9')
        ++m_at;
    return m_at > start;
}

bool Parser::skip_number()
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

bool Parser::skip_literal(std::string_view literal)
{
    if (m_text.substr(m_at, literal.size()) != literal)
        return fail("expected a value");
    m_at += literal.size();
    return true;
}

}

bool is_utf8(std::string_view bytes)
{
    return utf8_prefix_length(bytes) == bytes.size();
}

void append_json_string(std::string& out, std::string_view utf8)
{
    auto const* bytes = reinterpret_cast<unsigned char const*>(utf8.data());
    std::size_t const size = utf8.size();
    out += '"';
    std::size_t run = 0; // Start of the bytes that need no escaping.
    std::size_t at = 0;
    while (at < size) {
        unsigned char const c = bytes[at];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++at;
            continue;
        }
        std::size_t const length = c >= 0x80 ? sequence_length(bytes + at, size - at) : 0;
        if (length > 0) {
            at += length;
            continue;
        }
        out.append(utf8.substr(run, at - run));
        if (c >= 0x80)
            out += "\\ufffd"; // Not UTF-8: the caller broke the contract; stay valid JSON.
        else
            append_escape(out, c);
        run = ++at;
    }
    out.append(utf8.substr(run));
    out += '"';
}

void append_base64(std::string& out, std::string_view bytes)
{
    auto const* in = reinterpret_cast<unsigned char const*>(bytes.data());
    std::size_t const size = bytes.size();
    out.reserve(out.size() + (size + 2) / 3 * 4);
    std::size_t at = 0;
    for (; size - at >= 3; at += 3) {
        std::uint32_t const group
            = std::uint32_t { in[at] } << 16 | std::uint32_t { in[at + 1] } << 8 | in[at + 2];
        out += base64_alphabet[group >> 18];
        out += base64_alphabet[(group >> 12) & 63];
        out += base64_alphabet[(group >> 6) & 63];
        out += base64_alphabet[group & 63];
    }
    if (size - at == 0)
        return;
    std::uint32_t group = std::uint32_t { in[at] } << 16;
    if (size - at == 2)
        group |= std::uint32_t { in[at + 1] } << 8;
    out += base64_alphabet[group >> 18];
    out += base64_alphabet[(group >> 12) & 63];
    out += size - at == 2 ? base64_alphabet[(group >> 6) & 63] : '=';
    out += '=';
}

std::optional<std::string> decode_base64(std::string_view text)
{
    // Padding is optional, but when present it must complete the last group.
    std::size_t size = text.size();
    if (size % 4 == 0 && size > 0 && text[size - 1] == '=')
        size -= text[size - 2] == '=' ? 2U : 1U;
    if (size % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(size / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int count = 0;
    for (std::size_t at = 0; at < size; ++at) {
        int const value = base64_values[static_cast<unsigned char>(text[at])];
        if (value < 0)
            return std::nullopt;
        bits = bits << 6 | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

void append_json(std::string& out, MessageView const& message, JsonFields const& extra)
{
    out += '{';
    if (!message.topic.empty()) {
        out += "\"topic\":";
        append_json_string(out, message.topic);
        out += ',';
    }
    out += "\"data\":";
    if (is_utf8(message.data)) {
        append_json_string(out, message.data);
    } else {
        out += '"';
        append_base64(out, message.data);
        out += "\",\"encoding\":\"base64\"";
    }
    if (message.time_ns != 0) {
        out += ",\"time\":\"";
        append_time(out, message.time_ns);
        out += '"';
    }
    for (auto const& [key, value] : extra) {
        out += ',';
        append_json_string(out, key);
        out += ':';
        out += value;
    }
    out += "}\n";
}

std::optional<JsonEnvelope> parse_json(std::string_view line, std::string& error)
{
    return Parser(line, error).parse();
}

}
