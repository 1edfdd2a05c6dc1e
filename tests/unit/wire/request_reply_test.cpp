#include "ipc/wire/decoder.hpp"
#include "ipc/wire/encoder.hpp"

#include <catch2/catch.hpp>

using namespace std::string_literals;

TEST_CASE("a request frame is its length, type 4, a big-endian id and the data", "[wire]")
{
    std::string frame;
    ipc::wire::append_request(frame, 1, "2^10");
    CHECK(frame
        == "\x00\x00\x00\x0d\x04\x00\x00\x00\x00\x00\x00\x00\x01"
           "2^10"s);
    std::string error;
    auto const request = ipc::wire::parse_request(std::string_view(frame).substr(4), error);
    REQUIRE(request);
    CHECK(request->id == 1);
    CHECK(request->data == "2^10");
}

TEST_CASE("a reply frame carries its request's id, a status and the data", "[wire]")
{
    std::string frame;
    ipc::wire::append_reply(frame, 0x0102030405060708, ipc::wire::ReplyStatus::Error, "exit 1");
    CHECK(frame
        == "\x00\x00\x00\x10\x05\x01\x02\x03\x04\x05\x06\x07\x08\x01"
           "exit 1"s);
    std::string error;
    auto const reply = ipc::wire::parse_reply(std::string_view(frame).substr(4), error);
    REQUIRE(reply);
    CHECK(reply->id == 0x0102030405060708);
    CHECK(reply->status == ipc::wire::ReplyStatus::Error);
    CHECK(reply->data == "exit 1");
}

TEST_CASE("an empty request and an empty reply are well-formed", "[wire]")
{
    std::string frame;
    ipc::wire::append_request(frame, 7, "");
    ipc::wire::append_reply(frame, 7, ipc::wire::ReplyStatus::Ok, "");
    ipc::wire::Decoder decoder(64);
    std::string_view input = frame;
    std::string error;
    REQUIRE(decoder.feed(input) == ipc::wire::Decoder::Status::Ready);
    auto const request = ipc::wire::parse_request(decoder.body(), error);
    REQUIRE(request);
    CHECK(request->data.empty());
    REQUIRE(decoder.feed(input) == ipc::wire::Decoder::Status::Ready);
    auto const reply = ipc::wire::parse_reply(decoder.body(), error);
    REQUIRE(reply);
    CHECK(reply->data.empty());
    CHECK(input.empty());
}

TEST_CASE("request and reply bodies that are short or of another type are refused", "[wire]")
{
    auto [body, expected] = GENERATE(table<std::string, std::string>({
        { ""s, "empty frame" },
        { "\x04\x00\x00"s, "truncated request frame" },
        { "\x05\x00\x00\x00\x00\x00\x00\x00\x01"s, "unexpected frame type 5" },
        { "\x02whatever"s, "unexpected frame type 2" },
    }));
    CAPTURE(body);
    std::string error;
    CHECK_FALSE(ipc::wire::parse_request(body, error));
    CHECK(error == expected);
}

TEST_CASE("a reply with an unknown status or a short header is refused", "[wire]")
{
    std::string error;
    CHECK_FALSE(ipc::wire::parse_reply("\x05\x00\x00\x00\x00\x00\x00\x00\x01\x02"s, error));
    CHECK(error == "unknown reply status 2");
    CHECK_FALSE(ipc::wire::parse_reply("\x05\x00\x00\x00\x00\x00\x00\x00\x01"s, error));
    CHECK(error == "truncated reply frame");
    CHECK_FALSE(ipc::wire::parse_reply("\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00"s, error));
    CHECK(error == "unexpected frame type 4");
}

TEST_CASE("a client's hello is accepted with role 2", "[wire]")
{
    std::string frame;
    ipc::wire::append_hello(frame, ipc::wire::Role::Client);
    std::string error;
    auto const hello = ipc::wire::parse_hello(std::string_view(frame).substr(4), error);
    REQUIRE(hello);
    CHECK(hello->role == ipc::wire::Role::Client);
}
