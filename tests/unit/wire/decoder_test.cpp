#include "ipc/wire/decoder.hpp"
#include "ipc/wire/encoder.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace std::string_literals;
using ipc::wire::BatchView;
using ipc::wire::Decoder;

namespace {

// A frame as it travels: a 4-byte big-endian length, then the body.
std::string frame(std::string_view body)
{
    auto const size = body.size();
    std::string out { static_cast<char>(size >> 24), static_cast<char>(size >> 16),
        static_cast<char>(size >> 8), static_cast<char>(size) };
    return out.append(body);
}

bool points_into(std::string_view inner, std::string_view outer)
{
    return inner.data() >= outer.data()
        && inner.data() + inner.size() <= outer.data() + outer.size();
}

// A Messages body with the given header fields and raw rest.
std::string batch_body(std::string_view topic, std::string_view rest)
{
    std::string body { '\x02', 0, 0, 0, 0, 0, 0, 0, 42, 0, static_cast<char>(topic.size()) };
    return body.append(topic).append(rest);
}

// The same with type MessagesWithHeaders, for topic "t".
std::string headers_body(std::string_view rest)
{
    auto body = batch_body("t", rest);
    body[0] = static_cast<char>(ipc::wire::Type::MessagesWithHeaders);
    return body;
}

}

TEST_CASE("a frame decodes the same however the stream is split", "[wire]")
{
    std::string const binary("\0\xff\n\x01", 4);
    std::vector<std::string> const bodies { "hello", "", binary, std::string(300, 'x'), "z" };
    std::string stream;
    for (auto const& body : bodies)
        stream += frame(body);
    auto const chunk = GENERATE_COPY(range<std::size_t>(1, stream.size() + 1));
    CAPTURE(chunk);

    Decoder decoder(1000);
    std::vector<std::string> decoded;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
        std::string_view input = std::string_view(stream).substr(at, chunk);
        while (true) {
            auto const status = decoder.feed(input);
            REQUIRE(status != Decoder::Status::TooLarge);
            if (status == Decoder::Status::NeedMore)
                break;
            decoded.emplace_back(decoder.body());
        }
        CHECK(input.empty());
    }
    CHECK(decoded == bodies);
}

TEST_CASE("several frames in one input come out one per feed, without copying", "[wire]")
{
    std::string const stream
        = frame("one") + frame("") + frame("three") + "\0\0"s; // And half a header.
    std::string_view input = stream;
    Decoder decoder(64);
    for (std::string_view expected : { "one", "", "three" }) {
        REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
        CHECK(decoder.body() == expected);
        CHECK(points_into(decoder.body(), stream));
    }
    CHECK(input.size() == 2);
    CHECK(decoder.feed(input) == Decoder::Status::NeedMore);
    CHECK(input.empty());
}

TEST_CASE("a frame split across inputs is gathered into the decoder's own buffer", "[wire]")
{
    std::string const stream = frame("split body");
    std::string const first = stream.substr(0, 7);
    std::string const second = stream.substr(7);
    Decoder decoder(64);
    std::string_view input = first;
    REQUIRE(decoder.feed(input) == Decoder::Status::NeedMore);
    CHECK(decoder.body().empty());
    input = second;
    REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
    CHECK(decoder.body() == "split body");
    CHECK_FALSE(points_into(decoder.body(), first));
    CHECK_FALSE(points_into(decoder.body(), second));
}

TEST_CASE("an empty input needs more and a body of length zero is a frame", "[wire]")
{
    Decoder decoder(64);
    std::string_view input;
    CHECK(decoder.feed(input) == Decoder::Status::NeedMore);
    std::string const empty_frame(4, '\0');
    input = empty_frame;
    REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
    CHECK(decoder.body().empty());
    CHECK(input.empty());
}

TEST_CASE("an oversized length is refused before any allocation", "[wire]")
{
    auto const [header, announced] = GENERATE(table<std::string, std::size_t>({
        { "\0\0\0\x41"s, 65 },
        { "\0\x01\0\0"s, 65536 },
        { "\xff\xff\xff\xff", 0xffffffff },
    }));
    auto const chunk = GENERATE(1u, 2u, 4u);
    CAPTURE(announced, chunk);
    std::string const stream = header + "body";
    Decoder decoder(64);
    auto status = Decoder::Status::NeedMore;
    std::string_view input;
    for (std::size_t at = 0; at < 4; at += chunk) {
        input = std::string_view(stream).substr(at, chunk);
        status = decoder.feed(input);
    }
    REQUIRE(status == Decoder::Status::TooLarge);
    CHECK(decoder.announced() == announced);
    CHECK(decoder.body().empty());
    input = "more";
    CHECK(decoder.feed(input) == Decoder::Status::TooLarge); // Final.
}

TEST_CASE("a body of exactly the largest size is accepted", "[wire]")
{
    std::string const stream = frame(std::string(64, 'm'));
    std::string_view input = stream;
    Decoder decoder(64);
    REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
    CHECK(decoder.body().size() == 64);
}

TEST_CASE(
    "a hello body is accepted only with our magic, version, a known role and its size", "[wire]")
{
    std::string error;
    auto const hello = ipc::wire::parse_hello("\x01IPCK\x01\x01"s, error);
    REQUIRE(hello);
    CHECK(hello->version == 1);
    CHECK(hello->role == ipc::wire::Role::Publisher);

    auto const [body, expected] = GENERATE(table<std::string, std::string>({
        { "", "expected a hello frame" },
        { "\x02IPCK\x01\x01"s, "expected a hello frame" },
        { "\x01", "not an ipckit peer (bad hello)" },
        { "\x01IPCK", "not an ipckit peer (bad hello)" },
        { "\x01IPCX\x01\x01"s, "not an ipckit peer (bad hello)" },
        { "\x01ipck\x01\x01"s, "not an ipckit peer (bad hello)" },
        { "\x01IPCK\x02\x01"s, "protocol version 2 is not supported (this is version 1)" },
        { "\x01IPCK\x00\x01"s, "protocol version 0 is not supported (this is version 1)" },
        { "\x01IPCK\x02\x01\x00\x00"s, "protocol version 2 is not supported (this is version 1)" },
        { "\x01IPCK\x01"s, "malformed hello frame (6 bytes, expected 7)" },
        { "\x01IPCK\x01\x01\x00"s, "malformed hello frame (8 bytes, expected 7)" },
        { "\x01IPCK\x01\x00"s, "unknown role 0 in hello frame" },
        { "\x01IPCK\x01\x03"s, "unknown role 3 in hello frame" },
    }));
    CAPTURE(body);
    error.clear();
    CHECK_FALSE(ipc::wire::parse_hello(body, error));
    CHECK(error == expected);
}

TEST_CASE("a batch body with a bad type or a short header is refused", "[wire]")
{
    auto const [body, expected] = GENERATE(table<std::string, std::string>({
        { "", "empty frame" },
        { "\x01IPCK\x01\x01"s, "unknown frame type 1" },
        { "\x02"s, "truncated message frame header" },
        { "\x02\0\0\0\0\0\0\0\0\0"s, "truncated message frame header" },
        { "\x02\0\0\0\0\0\0\0\0\0\x05topi"s, "message frame topic runs past the frame" },
        { "\x02\0\0\0\0\0\0\0\0\xff\xff"s, "message frame topic runs past the frame" },
    }));
    CAPTURE(body);
    std::string error;
    CHECK_FALSE(BatchView::parse(body, error));
    CHECK(error == expected);
}

TEST_CASE("a batch's header gives its topic and time, and no messages is an end", "[wire]")
{
    std::string error;
    std::string const body = batch_body("a.b", "");
    auto batch = BatchView::parse(body, error);
    REQUIRE(batch);
    CHECK(batch->topic() == "a.b");
    CHECK(batch->time_ns() == 42);
    std::string_view data;
    CHECK(batch->next(data, 64) == BatchView::Status::End);
}

TEST_CASE("a message whose length runs past the batch is malformed", "[wire]")
{
    auto const rest = GENERATE(as<std::string> {}, "\0"s, "\0\0\0"s, "\0\0\0\x01"s,
        frame("abcde").substr(0, 8), "\xff\xff\xff\xff"s + "abcd", frame("a") + "\0\0"s);
    CAPTURE(rest);
    std::string error;
    std::string const body = batch_body("t", rest);
    auto batch = BatchView::parse(body, error);
    REQUIRE(batch);
    std::string_view data;
    auto status = batch->next(data, 64);
    if (status == BatchView::Status::Ready)
        status = batch->next(data, 64); // The last case has one good message first.
    CHECK(status == BatchView::Status::Malformed);
    CHECK(batch->next(data, 64) == BatchView::Status::Malformed); // It stays malformed.
}

TEST_CASE("a message over the largest size is reported and skipped, with its headers", "[wire]")
{
    auto const body = GENERATE(batch_body("t", frame("large") + frame("ok")),
        headers_body("\0\x08\0\1K\0\1\0\1v"s + frame("large") + "\0\0"s + frame("ok")));
    CAPTURE(body);
    std::string error;
    auto batch = BatchView::parse(body, error);
    REQUIRE(batch);
    std::string_view data;
    CHECK(batch->next(data, 4) == BatchView::Status::TooLarge);
    CHECK(batch->next(data, 4) == BatchView::Status::Ready);
    CHECK(data == "ok");
    CHECK(batch->headers().empty());
    CHECK(batch->next(data, 4) == BatchView::Status::End);
}

TEST_CASE("headers that are cut short or not valid make their frame malformed", "[wire]")
{
    auto const rest = GENERATE(as<std::string> {}, "\0"s, "\0\x09\0\1K\0\1\0\1v"s,
        "\0\x08\0\1K\0\1\0\1v"s, // The data length is missing.
        "\0\x05\0\1K\0\0"s + frame("a"), // No values.
        "\0\x07\0\1K\0\1\0\0\0\1K"s + frame("a"), // Cut inside the block.
        "\0\x06\0\1K\0\1\0\1\n"s + frame("a"), // Not what a block says it is.
        "\0\x08\0\1K\0\1\0\1\n"s + frame("a"), // A line break.
        "\0\x10\0\1K\0\1\0\1a\0\1K\0\1\0\1b"s + frame("a")); // K twice.
    CAPTURE(rest);
    std::string error;
    std::string const body = headers_body(rest);
    auto batch = BatchView::parse(body, error);
    REQUIRE(batch);
    std::string_view data;
    CHECK(batch->next(data, 64) == BatchView::Status::Malformed);
}

TEST_CASE("a lines frame hands out its messages one by one or as runs", "[wire]")
{
    std::string frame;
    ipc::wire::append_lines(frame, "logs.app", 1234, '\n', "one\n\ntwo\nthree\n");
    std::string error;
    auto view = BatchView::parse(std::string_view(frame).substr(4), error);
    REQUIRE(view);
    CHECK(view->is_lines());
    CHECK(view->topic() == "logs.app");
    CHECK(view->time_ns() == 1234);
    std::string_view data;
    REQUIRE(view->next(data, 100) == BatchView::Status::Ready);
    CHECK(data == "one");
    std::uint64_t count = 0;
    CHECK(view->take_run(2, 100, count) == "\ntwo\n");
    CHECK(count == 2);
    CHECK(view->take_run(10, 100, count) == "three\n");
    CHECK(count == 1);
    CHECK(view->next(data, 100) == BatchView::Status::End);
}

TEST_CASE("a lines run stops before a message over the size limit", "[wire]")
{
    std::string frame;
    ipc::wire::append_lines(frame, "t", 0, '\0', std::string("ab\0long one\0c\0", 14));
    std::string error;
    auto view = BatchView::parse(std::string_view(frame).substr(4), error);
    REQUIRE(view);
    std::uint64_t count = 0;
    CHECK(view->take_run(10, 3, count) == std::string_view("ab\0", 3));
    CHECK(count == 1);
    std::string_view data;
    CHECK(view->next(data, 3) == BatchView::Status::TooLarge);
    CHECK(view->next(data, 3) == BatchView::Status::Ready);
    CHECK(data == "c");
}

TEST_CASE("a lines frame that does not end with its delimiter is refused", "[wire]")
{
    for (auto const* rest : { "", "no end" }) {
        std::string body = "\x03"s + std::string(8, '\0') + "\0\x01t\n"s + rest;
        std::string error;
        CHECK_FALSE(BatchView::parse(body, error));
        CHECK_FALSE(error.empty());
    }
}
