#include "ipc/framing/json_object.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using ipc::framing::JsonObject;

TEST_CASE("a JSON object lists its members in the order they were added", "[framing]")
{
    std::string out = "x";
    JsonObject(out)
        .string("name", "q")
        .number("ready", std::uint64_t { 3 })
        .number("delta", -7)
        .fixed("rate", 0.125, 1)
        .null("age")
        .raw("list", "[1,2]");
    CHECK(out == R"(x{"name":"q","ready":3,"delta":-7,"rate":0.1,"age":null,"list":[1,2]})");
}

TEST_CASE("a JSON object escapes its string values", "[framing]")
{
    std::string out;
    JsonObject(out).string("text", "say \"hi\"\n\t\\ \x01 \xff");
    CHECK(out == R"({"text":"say \"hi\"\n\t\\ \u0001 \ufffd"})");
}

TEST_CASE("a JSON object with no members is {}, and close() writes the brace once", "[framing]")
{
    std::string out;
    {
        JsonObject object(out);
        object.close();
        object.close();
    }
    CHECK(out == "{}");
}

TEST_CASE("a fixed-point member has exactly the digits asked for", "[framing]")
{
    std::string out;
    JsonObject(out).fixed("a", 2.0, 1).fixed("b", 1234.5678, 2).fixed("c", 0.0, 3);
    CHECK(out == R"({"a":2.0,"b":1234.57,"c":0.000})");
}
