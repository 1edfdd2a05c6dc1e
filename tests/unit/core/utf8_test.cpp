#include "ipc/core/utf8.hpp"

#include <catch2/catch.hpp>

using namespace std::string_literals;

TEST_CASE("is_utf8 accepts exactly the well-formed UTF-8", "[core]")
{
    CHECK(ipc::is_utf8(""));
    CHECK(ipc::is_utf8("plain ASCII text that is longer than eight bytes\0"s));
    CHECK(ipc::is_utf8("é€😀\xf4\x8f\xbf\xbf"));
    CHECK_FALSE(ipc::is_utf8("\xc0\xaf")); // Overlong '/'.
    CHECK_FALSE(ipc::is_utf8("\xe0\x80\xaf")); // Overlong.
    CHECK_FALSE(ipc::is_utf8("\xed\xa0\x80")); // A surrogate.
    CHECK_FALSE(ipc::is_utf8("\xf4\x90\x80\x80")); // Past U+10FFFF.
    CHECK_FALSE(ipc::is_utf8("\xe2\x82")); // Cut short.
    CHECK_FALSE(ipc::is_utf8("abcdefgh\x80"));
    CHECK_FALSE(ipc::is_utf8("\xff"));
}

TEST_CASE("the UTF-8 prefix ends at the first byte that is not well-formed", "[core]")
{
    CHECK(ipc::utf8_prefix_length("abcdefghij\xffxyz") == 10);
    CHECK(ipc::utf8_prefix_length("é\xe2\x82") == 2);
    CHECK(ipc::utf8_prefix_length("€😀") == 7);
}

TEST_CASE("code points are encoded in one to four bytes", "[core]")
{
    auto const [code, bytes] = GENERATE(table<std::uint32_t, std::string>({
        { 0x41, "A" },
        { 0x00, "\0"s },
        { 0xE9, "é" },
        { 0x7FF, "\xdf\xbf" },
        { 0x20AC, "€" },
        { 0xFFFF, "\xef\xbf\xbf" },
        { 0x1F600, "😀" },
        { 0x10FFFF, "\xf4\x8f\xbf\xbf" },
    }));
    std::string out;
    ipc::append_utf8(out, code);
    CHECK(out == bytes);
    CHECK(ipc::is_utf8(out));
}
