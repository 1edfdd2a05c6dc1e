// Drives framing::Splitter in the mode chosen by the first byte, with a small
// max_size, feeding the input in chunks whose sizes come from the data, and
// checks what callers rely on: no message over max_size, nothing lost or
// invented, and the same messages as when the input arrives in one piece.

#include "ipc/framing/splitter.hpp"
#include "require.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using ipc::fuzz::require;

using ipc::framing::Mode;
using ipc::framing::Splitter;

namespace {

struct Result {
    std::vector<std::string> messages;
    Splitter::Status end = Splitter::Status::NeedMore;
};

// With runs (delimited modes only), whole runs are taken first and cut up
// here: they must hold exactly the messages next() would have given.
bool drain(Splitter& splitter, std::size_t max_size, Result& result, char runs_delimiter, bool runs)
{
    std::string_view message;
    while (runs) {
        std::string_view run;
        std::size_t count = 0;
        auto const status = splitter.next_run(run, 7 + max_size, count);
        if (status != Splitter::Status::Ready)
            break;
        require(!run.empty() && run.back() == runs_delimiter && count > 0);
        for (std::size_t at = 0; at < run.size(); --count) {
            auto const end = run.find(runs_delimiter, at);
            require(end - at <= max_size);
            result.messages.emplace_back(run.substr(at, end - at));
            at = end + 1;
        }
        require(count == 0);
    }
    while ((result.end = splitter.next(message)) == Splitter::Status::Ready) {
        require(message.size() <= max_size);
        result.messages.emplace_back(message);
    }
    return result.end == Splitter::Status::NeedMore;
}

// Feeds input in chunks sized by `sizes`, alternating append() and prepare()/commit().
Result run(Mode mode, char delimiter, std::size_t max_size, std::string_view input,
    std::string_view sizes, bool runs)
{
    Splitter splitter(mode, delimiter, max_size);
    char const runs_delimiter = mode == Mode::Line ? '\n' : mode == Mode::Nul ? '\0' : delimiter;
    runs = runs && mode != Mode::Whole && mode != Mode::Length;
    Result result;
    std::size_t turn = 0;
    while (!input.empty()) {
        auto const choice
            = sizes.empty() ? input.size() : static_cast<unsigned char>(sizes[turn % sizes.size()]);
        std::size_t const chunk = std::min<std::size_t>(input.size(), 1 + choice % 32);
        if (turn++ % 2 == 0) {
            splitter.append(input.substr(0, chunk));
        } else {
            auto room = splitter.prepare(chunk + choice);
            require(room.size() >= chunk + choice);
            std::memcpy(room.data(), input.data(), chunk);
            splitter.commit(chunk);
        }
        input.remove_prefix(chunk);
        if (!drain(splitter, max_size, result, runs_delimiter, runs))
            return result;
        // A splitter still waiting never holds a whole message plus more than max_size.
        require(splitter.pending() <= max_size + 4);
    }
    splitter.finish();
    drain(splitter, max_size, result, runs_delimiter, runs);
    return result;
}

// The input that these messages were cut from, as far as they go.
std::string rebuild(Mode mode, char delimiter, std::vector<std::string> const& messages)
{
    std::string out;
    for (auto const& message : messages) {
        if (mode == Mode::Length) {
            auto const size = static_cast<std::uint32_t>(message.size());
            out += static_cast<char>(size >> 24);
            out += static_cast<char>(size >> 16);
            out += static_cast<char>(size >> 8);
            out += static_cast<char>(size);
        }
        out += message;
        if (mode != Mode::Length && mode != Mode::Whole)
            out += mode == Mode::Line ? '\n' : mode == Mode::Nul ? '\0' : delimiter;
    }
    return out;
}

}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size < 3)
        return 0;
    static constexpr Mode modes[]
        = { Mode::Line, Mode::Nul, Mode::Delimiter, Mode::Whole, Mode::Length };
    Mode const mode = modes[data[0] % 5];
    char const delimiter = static_cast<char>(data[1]);
    std::size_t const max_size = data[2] % 40;
    std::string_view const bytes(reinterpret_cast<char const*>(data) + 3, size - 3);
    // The first quarter sizes the chunks; the rest is the input.
    std::string_view const sizes = bytes.substr(0, bytes.size() / 4);
    std::string_view const input = bytes.substr(bytes.size() / 4);

    auto const chunked
        = run(mode, delimiter, max_size, input, sizes, !sizes.empty() && sizes[0] & 1);
    auto const whole = run(mode, delimiter, max_size, input, {}, false);
    require(chunked.messages == whole.messages);
    require(chunked.end == whole.end);

    auto const rebuilt = rebuild(mode, delimiter, chunked.messages);
    if (chunked.end != Splitter::Status::NeedMore) {
        require(input.substr(0, rebuilt.size()) == rebuilt);
        return 0;
    }
    if (mode == Mode::Whole) {
        require(chunked.messages.size() == 1 && chunked.messages[0] == input);
    } else if (mode == Mode::Length) {
        require(rebuilt == input);
    } else {
        // Only a last message without its terminator may make the input one byte shorter.
        require(rebuilt == input
            || (!rebuilt.empty() && rebuilt == std::string(input) + rebuilt.back()));
    }
    return 0;
}
