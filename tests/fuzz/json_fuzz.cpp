// Feeds any bytes to framing::parse_json; whatever parses must come back the
// same through append_json. The same bytes also go through the helpers as
// data: every byte string must survive an envelope and base64 exactly; and
// as a header block: one the checker accepts must survive an envelope, and
// a walk with the cursor must build it again.

#include "ipc/core/headers.hpp"
#include "ipc/framing/base64.hpp"
#include "ipc/framing/json.hpp"
#include "require.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using ipc::fuzz::require;

using namespace ipc::framing;

namespace {

// What append_json keeps of a time: whole microseconds, rounded down.
std::int64_t to_microseconds(std::int64_t time_ns)
{
    std::int64_t const rounded = time_ns / 1000 * 1000;
    return rounded > time_ns ? rounded - 1000 : rounded;
}

std::optional<JsonEnvelope> encode_and_parse(ipc::MessageView const& message)
{
    std::string line;
    append_json(line, message);
    require(!line.empty() && line.back() == '\n');
    line.pop_back();
    require(line.find('\n') == std::string::npos);
    std::string error;
    return parse_json(line, error);
}

// A valid header block survives an envelope and a walk with the cursor.
void check_block(std::string_view block)
{
    auto const carried = encode_and_parse({ "x", {}, 0, block });
    require(carried && carried->headers == block);
    ipc::HeadersBuilder builder;
    ipc::HeadersCursor cursor(block);
    while (auto const field = cursor.next()) {
        if (field->first)
            builder.add_key(field->key);
        builder.add_value(field->value);
    }
    std::string error;
    require(builder.finish(error) == std::string(block));
}

}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const bytes(reinterpret_cast<char const*>(data), size);

    std::string error;
    if (auto const first = parse_json(bytes, error)) {
        require(!ipc::headers_problem(first->headers));
        auto const second
            = encode_and_parse({ first->data, first->topic, first->time_ns, first->headers });
        require(second.has_value());
        require(second->data == first->data);
        require(second->topic == first->topic);
        require(second->time_ns == to_microseconds(first->time_ns));
        require(second->headers == first->headers);
    } else {
        require(!error.empty());
    }

    auto const carried = encode_and_parse({ bytes, {}, 0 });
    require(carried && carried->data == bytes);

    std::string encoded;
    append_base64(encoded, bytes);
    require(decode_base64(encoded) == std::string(bytes));

    if (!ipc::headers_problem(bytes))
        check_block(bytes);
    return 0;
}
