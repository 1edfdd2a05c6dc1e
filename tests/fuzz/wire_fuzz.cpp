// Fuzzes the frame decoder and the body parsers. The first input byte picks
// a chunk size; the rest is the stream. Splitting must not change what is
// decoded, and every accepted body must re-encode to the same bytes.

#include "ipc/core/headers.hpp"
#include "ipc/wire/decoder.hpp"
#include "ipc/wire/encoder.hpp"
#include "require.hpp"

#include <limits>
#include <vector>

using ipc::fuzz::require;

namespace {

constexpr std::size_t max_body = 256;

struct Decoded {
    std::vector<std::string> bodies;
    ipc::wire::Decoder::Status last = ipc::wire::Decoder::Status::NeedMore;
    std::size_t announced = 0;
};

Decoded decode(std::string_view stream, std::size_t chunk)
{
    ipc::wire::Decoder decoder(max_body);
    Decoded decoded;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
        auto input = stream.substr(at, chunk);
        while ((decoded.last = decoder.feed(input)) == ipc::wire::Decoder::Status::Ready) {
            require(decoder.body().size() <= max_body);
            decoded.bodies.emplace_back(decoder.body());
        }
        if (decoded.last == ipc::wire::Decoder::Status::TooLarge) {
            require(decoder.announced() > max_body);
            decoded.announced = decoder.announced();
            return decoded;
        }
        require(input.empty());
    }
    return decoded;
}

void check_hello(std::string_view body)
{
    std::string error;
    auto const hello = ipc::wire::parse_hello(body, error);
    require(hello.has_value() == error.empty());
    if (!hello)
        return;
    std::string frame;
    ipc::wire::append_hello(frame, hello->role);
    require(frame.substr(4) == body);
}

void check_batch(std::string_view body, std::size_t max_size)
{
    std::string error;
    auto batch = ipc::wire::BatchView::parse(body, error);
    require(batch.has_value() == error.empty());
    if (!batch)
        return;
    auto walk = *batch;
    std::string_view data;
    auto status = ipc::wire::BatchView::Status::Ready;
    while ((status = walk.next(data, max_size)) == ipc::wire::BatchView::Status::Ready
        || status == ipc::wire::BatchView::Status::TooLarge) {
        require(status == ipc::wire::BatchView::Status::TooLarge || data.size() <= max_size);
        require(!ipc::headers_problem(walk.headers()));
    }

    if (batch->is_lines()) {
        // A lines frame re-encodes from its parts, and a run takes the same messages.
        auto runs = *batch;
        std::uint64_t count = 0;
        auto const run = runs.take_run(std::numeric_limits<std::uint64_t>::max(),
            std::numeric_limits<std::size_t>::max(), count);
        require(count >= 1 && run.back() == batch->delimiter());
        std::string frame;
        ipc::wire::append_lines(frame, batch->topic(), batch->time_ns(), batch->delimiter(), run);
        require(frame.substr(4) == body);
        return;
    }
    // A well-formed batch is exactly what the encoder makes of its parts.
    std::string frame;
    ipc::wire::BatchEncoder encoder;
    encoder.begin(frame, batch->topic(), batch->time_ns(), static_cast<ipc::wire::Type>(body[0]));
    while ((status = batch->next(data, std::numeric_limits<std::size_t>::max()))
        == ipc::wire::BatchView::Status::Ready) {
        require(
            data.data() >= body.data() && data.data() + data.size() <= body.data() + body.size());
        require(encoder.with_headers() || batch->headers().empty());
        encoder.add(frame, data, batch->headers());
    }
    encoder.end(frame);
    if (status == ipc::wire::BatchView::Status::End)
        require(frame.substr(4) == body);
}

// A request or reply that parses is exactly what the encoder makes of its parts.
void check_request_reply(std::string_view body)
{
    std::string error;
    if (auto const request = ipc::wire::parse_request(body, error)) {
        require(error.empty());
        std::string frame;
        ipc::wire::append_request(frame, request->id, request->data);
        require(frame.substr(4) == body);
    } else {
        require(!error.empty());
    }
    error.clear();
    if (auto const reply = ipc::wire::parse_reply(body, error)) {
        require(error.empty());
        std::string frame;
        ipc::wire::append_reply(frame, reply->id, reply->status, reply->data);
        require(frame.substr(4) == body);
    } else {
        require(!error.empty());
    }
}

}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size == 0)
        return 0;
    std::size_t const chunk = data[0] % 16 + 1;
    std::string_view const stream(reinterpret_cast<char const*>(data) + 1, size - 1);

    auto const whole = decode(stream, stream.size() + 1);
    auto const split = decode(stream, chunk);
    require(whole.bodies == split.bodies);
    require(whole.last == split.last);
    require(whole.announced == split.announced);

    for (auto const& body : whole.bodies) {
        check_hello(body);
        check_batch(body, chunk * 4);
        check_request_reply(body);
    }
    return 0;
}
