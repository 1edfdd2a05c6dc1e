// The JSON object writer of json_object.hpp.

#include "ipc/framing/json_object.hpp"

#include "ipc/framing/json.hpp"

#include <fmt/format.h>

#include <cassert>
#include <iterator>

namespace ipc::framing {

JsonObject::JsonObject(std::string& out)
    : m_out(out)
{
    m_out += '{';
}

std::string& JsonObject::member(std::string_view key)
{
    assert(!m_closed);
    if (!m_empty)
        m_out += ',';
    m_empty = false;
    append_json_string(m_out, key);
    m_out += ':';
    return m_out;
}

JsonObject& JsonObject::string(std::string_view key, std::string_view value)
{
    append_json_string(member(key), value);
    return *this;
}

JsonObject& JsonObject::fixed(std::string_view key, double value, int decimals)
{
    fmt::format_to(std::back_inserter(member(key)), "{:.{}f}", value, decimals);
    return *this;
}

JsonObject& JsonObject::null(std::string_view key)
{
    return raw(key, "null");
}

JsonObject& JsonObject::strings(std::string_view key, std::vector<std::string> const& values)
{
    auto& out = member(key);
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out += ',';
        append_json_string(out, values[i]);
    }
    out += ']';
    return *this;
}

JsonObject& JsonObject::raw(std::string_view key, std::string_view json)
{
    member(key) += json;
    return *this;
}

void JsonObject::close()
{
    if (!m_closed)
        m_out += '}';
    m_closed = true;
}

}
