// Fuzzes names and patterns. The input is PATTERN, NUL, TOPIC (without a NUL
// the topic is the pattern's text). Matching is compared with a slow
// reference that splits both into tokens.

#include "ipc/core/error.hpp"
#include "ipc/names/name.hpp"
#include "ipc/names/pattern.hpp"
#include "require.hpp"

#include <vector>

using ipc::fuzz::require;

namespace {

std::vector<std::string_view> split(std::string_view text)
{
    std::vector<std::string_view> tokens;
    while (true) {
        auto const dot = text.find('.');
        tokens.push_back(text.substr(0, dot));
        if (dot == text.npos)
            return tokens;
        text.remove_prefix(dot + 1);
    }
}

bool reference_matches(std::string_view pattern, std::string_view topic)
{
    if (!ipc::is_valid_name(topic))
        return false;
    auto const wanted = split(pattern);
    auto const tokens = split(topic);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (wanted[i] == ">")
            return tokens.size() > i;
        if (i >= tokens.size() || (wanted[i] != "*" && wanted[i] != tokens[i]))
            return false;
    }
    return tokens.size() == wanted.size();
}

// An error line must stay one line of printable text.
void require_one_line(ipc::Error const& error)
{
    for (char c : std::string_view(error.what()))
        require(c >= 0x20 && c <= 0x7e);
    require(error.exit() == ipc::Exit::Usage);
}

}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    auto const nul = input.find('\0');
    auto const text = input.substr(0, nul);
    auto const topic = nul == input.npos ? text : input.substr(nul + 1);

    bool const valid_topic = ipc::is_valid_name(topic);
    try {
        require(ipc::parse_name(topic, "topic") == topic);
        require(valid_topic);
    } catch (ipc::Error const& error) {
        require(!valid_topic);
        require_one_line(error);
    }

    auto const pattern = ipc::Pattern::try_parse(text);
    if (!pattern) {
        require(!ipc::is_valid_name(text)); // Every name is a pattern.
        try {
            ipc::parse_patterns({ std::string(text) });
            require(false);
        } catch (ipc::Error const& error) {
            require_one_line(error);
        }
        return 0;
    }
    require(pattern->text() == text);
    require(pattern->is_literal() == ipc::is_valid_name(text));
    bool const matched = pattern->matches(topic);
    require(matched == reference_matches(text, topic));
    require(!matched || valid_topic);
    if (pattern->is_literal())
        require(pattern->matches(text) && matched == (topic == text));
    require(ipc::parse_patterns({ std::string(text) }).front().text() == text);
    return 0;
}
