// Writes --json envelopes (json.hpp), appended straight into the writer's
// batch: a message's text is copied in runs between the bytes that need
// escaping, and binary data is base64-encoded in place, with no temporaries.

#include "ipc/core/headers.hpp"
#include "ipc/core/time.hpp"
#include "ipc/core/utf8.hpp"
#include "ipc/framing/base64.hpp"
#include "ipc/framing/json.hpp"

#include <fmt/format.h>

#include <iterator>

namespace ipc::framing {

namespace {

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

// ,"headers":{"K":["v1","v2"],"L":["x"]}
void append_headers(std::string& out, std::string_view block)
{
    out += ",\"headers\":{";
    HeadersCursor cursor(block);
    bool any = false;
    while (auto const field = cursor.next()) {
        if (field->first) {
            if (any)
                out += "],";
            append_json_string(out, field->key);
            out += ":[";
        } else {
            out += ',';
        }
        append_json_string(out, field->value);
        any = true;
    }
    out += any ? "]}" : "}";
}

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
        std::size_t const length = c >= 0x80 ? utf8_sequence_length(bytes + at, size - at) : 0;
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
        append_rfc3339(out, message.time_ns);
        out += '"';
    }
    if (!message.headers.empty())
        append_headers(out, message.headers);
    for (auto const& [key, value] : extra) {
        out += ',';
        append_json_string(out, key);
        out += ':';
        out += value;
    }
    out += "}\n";
}

}
