#pragma once

// Writes messages to a file descriptor (stdout) in large batches, in any
// framing. Callers flush() before they would block; --line-buffered flushes
// every message. A reader that went away (EPIPE) throws StdoutClosed.

#include "ipc/core/message.hpp"
#include "ipc/framing/json.hpp"
#include "ipc/framing/options.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ipc::framing {

// Throws StdoutClosed for EPIPE, else SystemError(IoError) "write stdout: …".
[[noreturn]] void throw_write_error(int error);

class Writer {
public:
    Writer(int fd, Options const& options);
    ~Writer(); // Does not flush: a destructor must not throw. Call flush().

    Writer(Writer const&) = delete;
    Writer& operator=(Writer const&) = delete;

    // Appends one message; writes out when the batch is full or line-buffered.
    // `extra` adds members to a --json envelope. Throws StdoutClosed on EPIPE
    // and SystemError(IoError) on other write errors.
    void write(MessageView const& message, JsonFields const& extra = {});

    // The delimiter this writer ends messages with when a run of messages
    // that end with it can be written as it is (lines, -0, --delimiter with
    // no -v and no --json); nullopt otherwise.
    std::optional<char> run_delimiter() const;

    // Appends messages that each already end with run_delimiter().
    void write_run(std::string_view run);

    // Writes out everything batched; blocks until done, also on a non-blocking
    // fd. Throws like write(); what was batched is dropped then.
    void flush();

    bool has_pending() const { return !m_buffer.empty(); }
    // Bytes batched, not written (or handed to the sink) yet.
    std::size_t batched() const { return m_buffer.size(); }

    // Called when a write to a non-blocking fd would block: returns true
    // once the fd may take more, or false to give up, and then what could
    // not be written is dropped, now and from then on. Without it, the
    // writer waits for the fd.
    void set_on_blocked(std::function<bool()> on_blocked) { m_on_blocked = std::move(on_blocked); }

    // Hands what it would write to the fd to sink instead, in order (a
    // batch, or part of a large message): io::LossyOutput queues it.
    void set_sink(std::function<void(std::string_view)> sink) { m_sink = std::move(sink); }

    // Bytes written to the fd (or handed to the sink) so far.
    std::uint64_t written() const { return m_written; }
    // Where the next message starts in the output: bytes written, batched
    // or dropped so far.
    std::uint64_t position() const { return m_written + m_dropped + m_buffer.size(); }

private:
    void write_framed(std::string_view topic, std::string_view data);
    void append_or_write(std::string_view bytes);
    // Writes all of bytes, also to a non-blocking fd (waiting, or asking
    // on_blocked, where it would block), or drops the rest when on_blocked
    // gives up; 0, or the errno that stopped it.
    int write_out(std::string_view bytes);

    int m_fd;
    Options m_options;
    std::string m_buffer;
    std::function<bool()> m_on_blocked;
    std::function<void(std::string_view)> m_sink;
    bool m_gave_up = false; // on_blocked said to give up.
    std::uint64_t m_written = 0;
    std::uint64_t m_dropped = 0;
};

}
