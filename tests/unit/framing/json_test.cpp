#include "ipc/framing/json.hpp"

#include "ipc/core/utf8.hpp"

#include "support/headers.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using ipc::MessageView;
using namespace ipc::framing;
using ipc::test::header_block;
using namespace std::string_literals;

namespace {

std::string envelope(MessageView const& message, JsonFields const& extra = {})
{
    std::string out;
    append_json(out, message, extra);
    return out;
}

// Encodes, checks the line ending, and decodes again.
JsonEnvelope round_trip(MessageView const& message)
{
    auto line = envelope(message);
    REQUIRE(line.back() == '\n');
    line.pop_back();
    CHECK(line.find('\n') == std::string::npos);
    std::string error;
    auto decoded = parse_json(line, error);
    INFO(line);
    REQUIRE(decoded);
    CHECK(error.empty());
    return *decoded;
}

std::string parse_error(std::string_view line)
{
    std::string error;
    auto const decoded = parse_json(line, error);
    CHECK_FALSE(decoded);
    return error;
}

JsonEnvelope parse(std::string_view line)
{
    std::string error;
    auto decoded = parse_json(line, error);
    INFO(error);
    REQUIRE(decoded);
    return *decoded;
}

constexpr std::int64_t sample_time = 1795754558123456789; // 2026-11-27T04:42:38.123456789Z

}

TEST_CASE("an envelope lists topic, data, encoding, time, then the extra members", "[framing]")
{
    CHECK(envelope({ "hi", "a.b", sample_time }, { { "id", "42" }, { "ok", "true" } })
        == R"({"topic":"a.b","data":"hi","time":"2026-11-27T04:42:38.123456Z","id":42,"ok":true})"
           "\n");
    CHECK(envelope({ "\xff\x00"s, "t", sample_time })
        == R"({"topic":"t","data":"/wA=","encoding":"base64","time":"2026-11-27T04:42:38.123456Z"})"
           "\n");
}

TEST_CASE("an envelope leaves out an empty topic and an unknown time", "[framing]")
{
    CHECK(envelope({ "", "", 0 }) == "{\"data\":\"\"}\n");
    CHECK(envelope({ "x", "", 0 }) == "{\"data\":\"x\"}\n");
}

TEST_CASE("quotes, backslashes and control characters are escaped; other text is not", "[framing]")
{
    std::string out;
    append_json_string(out, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/é€😀\0"s);
    CHECK(out == "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/é€😀\\u0000\"");
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD in a JSON string", "[framing]")
{
    std::string out;
    append_json_string(out,
        "a\xff"
        "b\xe2\x82");
    CHECK(out == "\"a\\ufffdb\\ufffd\\ufffd\"");
}

TEST_CASE("every byte value survives a round trip through an envelope", "[framing]")
{
    for (int byte = 0; byte < 256; ++byte) {
        std::string const data(1, static_cast<char>(byte));
        CAPTURE(byte);
        CHECK(round_trip({ data, "", 0 }).data == data);
        CHECK(round_trip({ "x" + data + "yz", "t.u", 0 }).data == "x" + data + "yz");
    }
    std::string all;
    for (int byte = 0; byte < 256; ++byte)
        all += static_cast<char>(byte);
    CHECK(envelope({ all, "", 0 }).find("\"encoding\":\"base64\"") != std::string::npos);
    CHECK(round_trip({ all, "", 0 }).data == all);
}

TEST_CASE("random bytes and random text survive a round trip byte-exactly", "[framing]")
{
    std::mt19937 random(12345);
    std::string const pieces[] = { "a", "\"", "\\", "\n", "\x01", "é", "€", "😀", "\x7f", " " };
    for (int round = 0; round < 500; ++round) {
        std::string bytes;
        std::string text;
        auto const length = random() % 64;
        for (std::size_t i = 0; i < length; ++i) {
            bytes += static_cast<char>(random() % 256);
            text += pieces[random() % std::size(pieces)];
        }
        CHECK(round_trip({ bytes, "t", 0 }).data == bytes);
        auto const decoded = round_trip({ text, "topic.name", sample_time });
        CHECK(decoded.data == text);
        CHECK(ipc::is_utf8(text));
        CHECK(decoded.topic == "topic.name");
        CHECK(decoded.time_ns == sample_time / 1000 * 1000); // Written to the microsecond.
    }
}

TEST_CASE("unicode escapes decode to UTF-8, surrogate pairs included", "[framing]")
{
    CHECK(parse(R"({"data":"\u00e9\u20AC\ud83d\ude00\u0000\u0041"})").data == "é€😀\0A"s);
    CHECK(parse(R"({"data":"\"\\\/\b\f\n\r\t"})").data == "\"\\/\b\f\n\r\t");
    CHECK(parse(R"({"d\u0061ta":"x"})").data == "x");
}

TEST_CASE("bad JSON is refused with a reason", "[framing]")
{
    auto const [line, reason] = GENERATE(table<std::string, std::string>({
        { "", "expected a JSON object" },
        { "[]", "expected a JSON object" },
        { "\"data\"", "expected a JSON object" },
        { "{}", "\"data\" is missing" },
        { R"({"topic":"t"})", "\"data\" is missing" },
        { R"({"data":1})", "\"data\" is not a string" },
        { R"({"data":"x","topic":null})", "\"topic\" is not a string" },
        { R"({"data":"\x"})", "invalid escape" },
        { R"({"data":"\u12"})", "invalid \\u escape" },
        { R"({"data":"\u12g4"})", "invalid \\u escape" },
        { R"({"data":"\ud83d"})", "unpaired surrogate" },
        { R"({"data":"\ude00"})", "unpaired surrogate" },
        { R"({"data":"\ud83dx"})", "unpaired surrogate" },
        { R"({"data":"\ud83d\u0041"})", "unpaired surrogate" },
        { "{\"data\":\"a\tb\"}", "control character" },
        { "{\"data\":\"a\xff\"}", "invalid UTF-8 at column 11" },
        { "{\"data\":\"\xed\xa0\x80\"}", "invalid UTF-8" },
        { R"({"data":"a"} x)", "unexpected text after the object at column 14" },
        { R"({"data":"a"}{})", "unexpected text" },
        { R"({"data":"a)", "unterminated string" },
        { R"({"data":"a",})", "expected a member name" },
        { R"({"data" "a"})", "expected ':'" },
        { R"({"data":"a" "b"})", "expected ',' or '}'" },
        { R"({"data":"a","n":01})", "expected ',' or '}'" },
        { R"({"data":"a","n":1.})", "invalid number" },
        { R"({"data":"a","n":-})", "expected a value" },
        { R"({"data":"a","n":1e})", "invalid number" },
        { R"({"data":"a","n":tru})", "expected a value" },
        { R"({"data":"a","n":[1,]})", "expected a value" },
        { R"({"data":"a","n":[1 2]})", "expected ',' or ']'" },
        { R"({"data":"a","n":{"k"}})", "expected ':'" },
        { R"({"data":"a","n":{1:2}})", "expected a member name" },
        { R"({"data":"!","encoding":"base64"})", "not valid base64" },
        { R"({"data":"x","encoding":"latin1"})", "unknown \"encoding\"" },
        { R"({"data":"x","time":"yesterday"})", "\"time\" is not an RFC 3339" },
        { R"({"data":"x","time":"2026-01-01T00:00:00+01:00x"})", "\"time\" is not" },
    }));
    CAPTURE(line);
    CHECK_THAT(parse_error(line), Catch::Contains(reason));
}

TEST_CASE("deep nesting is refused without exhausting the stack", "[framing]")
{
    auto const nested = [](std::size_t depth) {
        return R"({"data":"x","deep":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    };
    CHECK(parse(nested(63)).data == "x"); // 64 levels with the envelope itself.
    CHECK_THAT(parse_error(nested(64)), Catch::Contains("nested deeper than 64"));
    CHECK_THAT(parse_error(nested(1'000'000)), Catch::Contains("nested deeper than 64"));
    CHECK_THAT(parse_error(std::string(1'000'000, '{')), Catch::Contains("expected a member"));
}

TEST_CASE("unknown members of any kind are ignored", "[framing]")
{
    auto const decoded = parse(R"({"id":42,"meta":{"a":[1,-2.5e+3,{"b":null}],"c":"\u00e9"},)"
                               R"("flag":true,"off":false,"e":[],"o":{},"data":"x","topic":"t"})");
    CHECK(decoded.data == "x");
    CHECK(decoded.topic == "t");
    CHECK(decoded.time_ns == 0);
}

TEST_CASE("a duplicated member takes its last value", "[framing]")
{
    auto const decoded = parse(R"({"data":"one","topic":"a","data":"two","topic":"b"})");
    CHECK(decoded.data == "two");
    CHECK(decoded.topic == "b");
    CHECK(parse(R"({"data":"eA==","encoding":"utf-8","encoding":"base64"})").data == "x");
}

TEST_CASE("whitespace around the object and its members is allowed", "[framing]")
{
    CHECK(parse(" \t{ \"data\" : \"x\" , \"n\" : [ 1 , { } ] } \r").data == "x");
}

TEST_CASE("the encoding may be base64 before or after the data, or utf-8", "[framing]")
{
    CHECK(parse(R"({"encoding":"base64","data":"/wA="})").data == "\xff\x00"s);
    CHECK(parse(R"({"data":"/wA","encoding":"base64"})").data == "\xff\x00"s);
    CHECK(parse(R"({"data":"/wA=","encoding":"utf-8"})").data == "/wA=");
}

TEST_CASE("an envelope's time is read in any RFC 3339 offset, to the nanosecond", "[framing]")
{
    CHECK(parse(R"({"data":"","time":"2026-11-27t05:42:38.1234567891+01:00"})").time_ns
        == sample_time);
    CHECK(envelope({ "", "", -1 }) == "{\"data\":\"\",\"time\":\"1969-12-31T23:59:59.999999Z\"}\n");
}

TEST_CASE("headers are written after the time, each key with its array of values", "[framing]")
{
    auto const headers
        = header_block({ { "K", { "v1", "v2" } }, { "Quote\"d", { "a\"b\\c\td" } } });
    CHECK(envelope({ "hi", "a.b", sample_time, headers }, { { "id", "42" } })
        == R"({"topic":"a.b","data":"hi","time":"2026-11-27T04:42:38.123456Z",)"
           R"("headers":{"K":["v1","v2"],"Quote\"d":["a\"b\\c\td"]},"id":42})"
           "\n");
    CHECK(envelope({ "x", "", 0, header_block({ { "Id", { "" } } }) })
        == R"({"data":"x","headers":{"Id":[""]}})"
           "\n");
}

TEST_CASE("headers survive a round trip byte-exactly, in order", "[framing]")
{
    auto const headers = header_block({ { "Z", { "last", "first", "last" } }, { "A", { "é 😀" } },
        { "Nats-Msg-Id", { std::string(1000, 'x') } }, { "Empty", { "" } } });
    auto const decoded = round_trip({ "\xff"s, "t", sample_time, headers });
    CHECK(decoded.headers == headers);
    CHECK(decoded.data == "\xff");
    CHECK(round_trip({ "x", "", 0, {} }).headers.empty());
}

TEST_CASE("headers are read in any member order; the last headers member wins", "[framing]")
{
    CHECK(parse(R"({"headers":{"b":["1"],"a":["2","3"]},"data":"x"})").headers
        == header_block({ { "b", { "1" } }, { "a", { "2", "3" } } }));
    CHECK(parse(R"({"data":"x","headers":{"a":["1"]},"headers":{"b":["2"]}})").headers
        == header_block({ { "b", { "2" } } }));
    CHECK(parse(" {\"data\":\"x\" , \"headers\" : { \"k\" : [ \"v\" , \"w\" ] } } ").headers
        == header_block({ { "k", { "v", "w" } } }));
    CHECK(parse(R"({"data":"x","headers":{}})").headers.empty());
    CHECK(parse(R"({"data":"x","headers":{"k":["\u00e9\t\u0000"]}})").headers
        == header_block({ { "k", { "é\t\0"s } } }));
}

TEST_CASE("bad headers in an envelope are refused with a reason", "[framing]")
{
    auto const [line, reason] = GENERATE(table<std::string, std::string>({
        { R"({"data":"x","headers":[]})", "\"headers\" is not an object" },
        { R"({"data":"x","headers":null})", "\"headers\" is not an object" },
        { R"({"data":"x","headers":"K: v"})", "\"headers\" is not an object" },
        { R"({"data":"x","headers":{"K":"v"}})", "header \"K\" is not an array of strings" },
        { R"({"data":"x","headers":{"K":{"v":1}}})", "header \"K\" is not an array" },
        { R"({"data":"x","headers":{"K\n":1}})", "header \"K\\n\" is not an array" },
        { R"({"data":"x","headers":{"K":[1]}})", "header \"K\" has a value that is not a string" },
        { R"({"data":"x","headers":{"K":["a",null]}})", "has a value that is not a string" },
        { R"({"data":"x","headers":{"K":[["a"]]}})", "has a value that is not a string" },
        { R"({"data":"x","headers":{"K":[]}})", "header \"K\" has no values" },
        { R"({"data":"x","headers":{"K":["a"],"K":["b"]}})", "header \"K\" is given twice" },
        { R"({"data":"x","headers":{"":["a"]}})", "a header name is empty" },
        { R"({"data":"x","headers":{"a b":["x"]}})", "a header name has a space" },
        { R"({"data":"x","headers":{"K":["a\nb"]}})", "header \"K\" has a value with a line" },
        { R"({"data":"x","headers":{"K":["a\rb"]}})", "line break" },
        { R"({"data":"x","headers":{"K":["a" "b"]}})", "expected ',' or ']' at column 33" },
        { R"({"data":"x","headers":{"K" ["a"]}})", "expected ':'" },
        { R"({"data":"x","headers":{"K":["a"],}})", "expected a member name" },
        { R"({"data":"x","headers":{"K":["a"] "L":["b"]}})", "expected ',' or '}'" },
        { R"({"data":"x","headers":{"K":["a)", "unterminated string" },
        { R"({"data":"x","headers":{"K":["a"]})", "expected ',' or '}'" },
        { R"({"data":"x","headers":{"K":["\x"]}})", "invalid escape" },
    }));
    CAPTURE(line);
    CHECK_THAT(parse_error(line), Catch::Contains(reason));
}

TEST_CASE("headers larger than 64 KiB are refused", "[framing]")
{
    auto const line = [](std::size_t length) {
        return R"({"data":"x","headers":{"K":[")" + std::string(length, 'v') + "\"]}}";
    };
    CHECK(parse(line(ipc::max_headers_size - 7)).headers.size() == ipc::max_headers_size);
    CHECK(parse_error(line(ipc::max_headers_size - 6)) == "headers take more than 65535 bytes");
    std::string many = R"({"data":"x","headers":{"K":[)";
    for (int i = 0; i < 40'000; ++i)
        many += "\"\",";
    many += "\"\"]}}";
    CHECK(parse_error(many) == "headers take more than 65535 bytes");
}
