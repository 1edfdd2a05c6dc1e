#pragma once

// Cuts a byte stream into messages for one framing mode. Pure and incremental:
// the caller appends what it read and takes whole messages out; the splitter
// never does I/O. Every length is checked against max_size before it is kept.

#include "ipc/framing/options.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ipc::framing {

class Splitter {
public:
    enum class Status {
        Ready, // next() returned a message.
        NeedMore, // Append more input (or call finish() at end of input).
        TooLarge, // A message is longer than max_size; final.
        Truncated, // finish(): the input ended inside a --len frame; final.
    };

    Splitter(Mode mode, char delimiter, std::size_t max_size);

    // Where to put newly read bytes: at least `want` bytes of room. Call
    // commit(n) after writing n of them. Views from next() stay valid until then.
    std::span<char> prepare(std::size_t want);
    void commit(std::size_t count);

    // Copies bytes in (for tests and fuzzers); the same as prepare+commit.
    void append(std::string_view bytes);

    // Takes the next message out. The view stays valid until the next
    // prepare()/append(). After finish(), NeedMore means the input is used up.
    Status next(std::string_view& message);

    // Delimited modes only: takes out every complete message buffered within
    // the first `limit` bytes at once, as one run in which each message ends
    // with the delimiter; count says how many. NeedMore when there is none
    // (next() then handles long and unterminated messages); TooLarge as next().
    Status next_run(std::string_view& run, std::size_t limit, std::size_t& count);

    // Marks the end of the input: a last line without a terminator and the
    // whole input in Mode::Whole become available through next(). In
    // Mode::Whole an empty input is one empty message.
    void finish();

    // Bytes received but not yet returned as messages.
    std::size_t pending() const { return m_end - m_begin; }

private:
    Mode m_mode;
    char m_delimiter;
    std::size_t m_max_size;
    std::string m_buffer;
    std::size_t m_begin = 0; // First byte not yet returned.
    std::size_t m_end = 0; // End of received bytes.
    std::size_t m_scanned = 0; // Bytes after m_begin known to hold no delimiter.
    bool m_finished = false;
    bool m_whole_returned = false;
    bool m_too_large = false;

    Status next_delimited(std::string_view& message);
    Status next_length(std::string_view& message);
    Status next_whole(std::string_view& message);
    Status too_large();
    void make_room(std::size_t want);
};

}
