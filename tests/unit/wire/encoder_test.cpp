#include "ipc/wire/encoder.hpp"

#include "ipc/wire/decoder.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <vector>

using namespace std::string_literals;
using ipc::wire::BatchEncoder;
using ipc::wire::BatchView;
using ipc::wire::Decoder;

namespace {

struct Batch {
    std::string topic;
    std::int64_t time_ns = 0;
    std::vector<std::string> messages;
};

// Decodes a buffer of Messages frames completely, failing the test on any error.
std::vector<Batch> decode_batches(std::string_view input)
{
    Decoder decoder(ipc::wire::frame_limit(1 << 20));
    std::vector<Batch> batches;
    while (!input.empty()) {
        REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
        std::string error;
        auto view = BatchView::parse(decoder.body(), error);
        REQUIRE(view);
        Batch batch { std::string(view->topic()), view->time_ns(), {} };
        std::string_view data;
        BatchView::Status status;
        while ((status = view->next(data, 1 << 20)) == BatchView::Status::Ready)
            batch.messages.emplace_back(data);
        REQUIRE(status == BatchView::Status::End);
        batches.push_back(std::move(batch));
    }
    return batches;
}

}

TEST_CASE("a hello frame is type, magic, version and role after a length of 7", "[wire]")
{
    std::string out = "x";
    ipc::wire::append_hello(out, ipc::wire::Role::Publisher);
    CHECK(out == "x\0\0\0\x07\x01IPCK\x01\x01"s);

    std::string_view input = std::string_view(out).substr(1);
    Decoder decoder(64);
    REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
    std::string error;
    auto const hello = ipc::wire::parse_hello(decoder.body(), error);
    REQUIRE(hello);
    CHECK(hello->version == ipc::wire::version);
    CHECK(hello->role == ipc::wire::Role::Publisher);
}

TEST_CASE("a batch frame is its header, then each message after its length", "[wire]")
{
    std::string out;
    BatchEncoder encoder;
    CHECK_FALSE(encoder.open());
    encoder.begin(out, "t.x", 0x0102030405060708);
    CHECK(encoder.open());
    CHECK(encoder.size(out) == 4 + 1 + 8 + 2 + 3);
    encoder.add(out, "ab");
    encoder.add(out, "");
    CHECK(encoder.count() == 2);
    CHECK(encoder.end(out) == 2);
    CHECK_FALSE(encoder.open());
    auto const expected = "\0\0\0\x18\x02\x01\x02\x03\x04\x05\x06\x07\x08\0\x03t.x"s // Header.
        + "\0\0\0\x02"s + "ab" + "\0\0\0\0"s;
    CHECK(out == expected);
}

TEST_CASE("a batch round-trips many messages, empty and binary ones included", "[wire]")
{
    Batch sent { "sensors.temp", 1700000000123456789, {} };
    for (std::size_t i = 0; i < 2000; ++i) {
        std::string message(i % 300, '\0');
        for (std::size_t j = 0; j < message.size(); ++j)
            message[j] = static_cast<char>((i + j) & 0xff);
        sent.messages.push_back(std::move(message));
    }
    std::string out;
    BatchEncoder encoder;
    encoder.begin(out, sent.topic, sent.time_ns);
    for (auto const& message : sent.messages)
        encoder.add(out, message);
    CHECK(encoder.end(out) == sent.messages.size());

    auto const batches = decode_batches(out);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].topic == sent.topic);
    CHECK(batches[0].time_ns == sent.time_ns);
    CHECK(batches[0].messages == sent.messages);
}

TEST_CASE("batches follow each other in one buffer, each with its topic and time", "[wire]")
{
    auto const time = GENERATE(std::int64_t { 0 }, -1, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max());
    CAPTURE(time);
    std::vector<Batch> const sent {
        { "a", time, { "1", "2" } },
        { "b.c", time, {} },
        { std::string(65535, 't'), time, { "", "" } },
    };
    std::string out;
    BatchEncoder encoder;
    for (auto const& batch : sent) {
        encoder.begin(out, batch.topic, batch.time_ns);
        for (auto const& message : batch.messages)
            encoder.add(out, message);
        CHECK(encoder.end(out) == batch.messages.size());
    }
    auto const batches = decode_batches(out);
    REQUIRE(batches.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CAPTURE(i);
        CHECK(batches[i].topic == sent[i].topic);
        CHECK(batches[i].time_ns == time);
        CHECK(batches[i].messages == sent[i].messages);
    }
}

TEST_CASE("a frame with headers puts each message's headers before its data", "[wire]")
{
    std::string out;
    BatchEncoder encoder;
    encoder.begin(out, "t", 7, ipc::wire::Type::MessagesWithHeaders);
    CHECK(encoder.with_headers());
    encoder.add(out, "ab", "\0\1K\0\1\0\1v"s);
    encoder.add(out, "c");
    CHECK(encoder.end(out) == 2);
    auto const expected = "\0\0\0\x23\x06\0\0\0\0\0\0\0\x07\0\x01t"s // Header, type 6.
        + "\0\x08\0\1K\0\1\0\1v"s + "\0\0\0\x02"s + "ab" // Headers, then data.
        + "\0\0"s + "\0\0\0\x01"s + "c"; // No headers.
    CHECK(out == expected);

    Decoder decoder(1024);
    std::string_view input = out;
    REQUIRE(decoder.feed(input) == Decoder::Status::Ready);
    std::string error;
    auto batch = BatchView::parse(decoder.body(), error);
    REQUIRE(batch);
    std::string_view data;
    REQUIRE(batch->next(data, 64) == BatchView::Status::Ready);
    CHECK(data == "ab");
    CHECK(batch->headers() == "\0\1K\0\1\0\1v"s);
    REQUIRE(batch->next(data, 64) == BatchView::Status::Ready);
    CHECK(data == "c");
    CHECK(batch->headers().empty());
    CHECK(batch->next(data, 64) == BatchView::Status::End);
}

TEST_CASE("frames without headers stay as they were, and carry none", "[wire]")
{
    std::string out;
    BatchEncoder encoder;
    encoder.begin(out, "t", 0);
    CHECK_FALSE(encoder.with_headers());
    encoder.add(out, "x");
    encoder.end(out);
    CHECK(out == "\0\0\0\x11\x02\0\0\0\0\0\0\0\0\0\x01t\0\0\0\x01x"s);
    std::string error;
    auto batch = BatchView::parse(std::string_view(out).substr(4), error);
    REQUIRE(batch);
    std::string_view data;
    REQUIRE(batch->next(data, 64) == BatchView::Status::Ready);
    CHECK(batch->headers().empty());
}
