#pragma once

// Reads messages from a file descriptor (stdin) in large chunks, in any
// framing. Before a read that would block it calls the on_idle hook, so the
// caller can flush what it has batched: pipelines get throughput and latency.

#include "ipc/core/message.hpp"
#include "ipc/framing/options.hpp"
#include "ipc/framing/splitter.hpp"

#include <functional>
#include <optional>
#include <string>

namespace ipc::framing {

// One read(2) of input fd into [into, into + size): 0 at the end of input.
// EINTR is retried and a non-blocking fd waited on, never spun on. Throws
// SystemError(IoError) "read stdin: ..." when read() fails.
std::size_t read_input(int fd, char* into, std::size_t size);
// Whether fd has input (or its end) waiting: a read would not block.
bool input_ready(int fd);
// Throws the Error(Usage) for message number being longer than max_size.
[[noreturn]] void refuse_too_long(std::uint64_t number, std::size_t max_size);

class Reader {
public:
    Reader(int fd, Options const& options);

    // Called when no input is ready, before blocking on the fd; it may itself
    // wait (e.g. on the fd and other sources) and return true once the fd is
    // readable, or false to stop reading: next() then returns nullopt. Never
    // called for a regular file, whose reads do not wait.
    void set_on_idle(std::function<bool()> on_idle) { m_on_idle = std::move(on_idle); }

    // The next message, or nullopt at end of input. The view stays valid until
    // the next call. Throws Error(Usage) for input that does not decode (a
    // truncated --len frame, bad JSON naming the line, a message over
    // max_size) and SystemError(IoError) when read() fails. With --json,
    // max_size bounds the decoded data; a line may be up to six times longer.
    std::optional<MessageView> next();

    // For line, NUL and --delimiter input (not --json): every complete message
    // buffered within limit bytes, as one run in which each message ends with
    // the delimiter; reads first when none is buffered. An empty view means
    // no run can be had now (end of input, a message longer than limit, a
    // stop): next() takes over. Throws like next().
    std::string_view next_run(std::size_t limit);

    // Messages returned so far (for error messages and counts).
    std::uint64_t count() const { return m_count; }

private:
    bool fill();
    MessageView decode_json(std::string_view line);
    [[noreturn]] void fail(Splitter::Status status) const;

    int m_fd;
    Options m_options;
    Splitter m_splitter;
    std::function<bool()> m_on_idle;
    bool m_may_block = true; // False for regular files, whose reads never wait.
    bool m_eof = false;
    bool m_stopped = false; // on_idle said to stop.
    std::uint64_t m_count = 0;
    std::string m_json_data; // Backing store for a decoded JSON envelope.
    std::string m_json_topic;
    std::string m_json_headers;
};

}
