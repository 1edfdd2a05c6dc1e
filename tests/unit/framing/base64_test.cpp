#include "ipc/framing/base64.hpp"

#include <catch2/catch.hpp>

using namespace ipc::framing;

TEST_CASE("base64 follows RFC 4648 and decodes with or without padding", "[framing]")
{
    auto const [plain, encoded] = GENERATE(table<std::string, std::string>({
        { "", "" },
        { "f", "Zg==" },
        { "fo", "Zm8=" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" },
        { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
        { "\xfb\xff", "+/8=" },
    }));
    std::string out;
    append_base64(out, plain);
    CHECK(out == encoded);
    CHECK(decode_base64(encoded) == plain);
    auto unpadded = encoded;
    while (!unpadded.empty() && unpadded.back() == '=')
        unpadded.pop_back();
    CHECK(decode_base64(unpadded) == plain);
}

TEST_CASE("base64 that is malformed is refused", "[framing]")
{
    auto const text = GENERATE(
        as<std::string> {}, "Z", "Zg=", "Zg===", "Z===", "Zm9v!", "Zm 9v", "=Zg=", "Zm9vY");
    CAPTURE(text);
    CHECK_FALSE(decode_base64(text));
}

TEST_CASE("every byte value survives base64", "[framing]")
{
    std::string all;
    for (int byte = 0; byte < 256; ++byte)
        all += static_cast<char>(byte);
    for (std::size_t length = 0; length <= all.size(); length += 37) {
        std::string out;
        append_base64(out, all.substr(0, length));
        CHECK(decode_base64(out) == all.substr(0, length));
    }
}
