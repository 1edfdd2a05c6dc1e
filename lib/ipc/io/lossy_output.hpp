#pragma once

// Standard output that never holds its producer up (ipc-sub --drop): a
// framing::Writer hands its bytes here; they wait in an io::OutBuffer up to
// a bound and go out as the descriptor takes them, from the loop the tool
// waits in (Stop's output drain). Whole messages beyond the bound are
// dropped, counted and reported on stderr: at once, then at most once a
// second while it goes on, and in all at the end.

#include "ipc/core/fd.hpp"
#include "ipc/framing/writer.hpp"
#include "ipc/io/drop_ledger.hpp"
#include "ipc/io/out_buffer.hpp"
#include "ipc/io/stop.hpp"

#include <cstddef>
#include <cstdint>

namespace ipc::io {

// --drop's bound when none is given.
inline constexpr std::size_t default_drop_buffer = 16 * 1024 * 1024;

class LossyOutput {
public:
    // Writes to fd through a non-blocking description of its own where one
    // can be had (a pipe, FIFO or terminal; a socket is written with
    // MSG_DONTWAIT; a file never blocks for long), and becomes writer's
    // sink and the drain of stop, which watches that descriptor from then on.
    LossyOutput(int fd, std::size_t bound, framing::Writer& writer, Stop& stop);
    // Reports the total dropped unless finish() did.
    ~LossyOutput();
    LossyOutput(LossyOutput const&) = delete;
    LossyOutput& operator=(LossyOutput const&) = delete;

    // True when a message of about size bytes (count messages: a run) may
    // be written now, with what is held and batched under the bound (the
    // batch is handed over and written first when it would not fit); false
    // when it must be dropped, and then it is counted.
    bool admit(std::size_t size, std::uint64_t count);

    // Reports the total dropped, then writes all that is held, waiting for
    // the descriptor however long it takes; flush the writer first.
    // Throws as framing::Writer::flush().
    void finish();

    std::uint64_t dropped() const { return m_ledger.total(); }

private:
    void append(std::string_view bytes);
    void write_some();
    void report_total() noexcept;
    bool fits(std::size_t size) const;

    framing::Writer& m_writer;
    Fd m_own;
    int m_fd;
    std::size_t m_bound;
    OutBuffer m_out;
    DropLedger m_ledger;
    bool m_total_reported = false;
};

}
