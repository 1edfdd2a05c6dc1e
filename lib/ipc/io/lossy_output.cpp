// The lossy stdout (lossy_output.hpp): bytes queue on an OutBuffer and go
// out whenever the descriptor takes them, never waiting, until finish().

#include "ipc/io/lossy_output.hpp"

#include "ipc/core/log.hpp"
#include "ipc/core/sys.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace ipc::io {

namespace {

// A description of our own, non-blocking, for what can block and can be
// opened again: a pipe, a FIFO, a terminal.
Fd own_nonblocking(int fd)
{
    struct stat status { };
    if (::fstat(fd, &status) != 0 || !(S_ISFIFO(status.st_mode) || S_ISCHR(status.st_mode)))
        return {};
    return sys::reopen_nonblocking(fd);
}

std::string_view plural(std::uint64_t count)
{
    return count == 1 ? "" : "s";
}

}

LossyOutput::LossyOutput(int fd, std::size_t bound, framing::Writer& writer, Stop& stop)
    : m_writer(writer)
    , m_own(own_nonblocking(fd))
    , m_fd(m_own ? m_own.get() : fd)
    , m_bound(bound)
{
    writer.set_sink([this](std::string_view bytes) { append(bytes); });
    stop.watch_output(m_fd);
    stop.drain_output(
        { .pending = [this] { return !m_out.empty(); }, .write = [this] { write_some(); } });
}

LossyOutput::~LossyOutput()
{
    report_total();
}

bool LossyOutput::fits(std::size_t size) const
{
    return DropLedger::fits(m_out.pending().size() + m_writer.batched(), size, m_bound);
}

bool LossyOutput::admit(std::size_t size, std::uint64_t count)
{
    if (fits(size))
        return true;
    // Hands the batch over and writes what the descriptor takes: the loop
    // may not have waited since it took more.
    m_writer.flush();
    write_some();
    if (fits(size))
        return true;
    m_ledger.drop(count);
    auto const now = DropLedger::Clock::now();
    // Only when stderr has room: a report must not block us either (a
    // stopped terminal is often stdout and stderr both).
    if (m_ledger.report_due(now) && sys::wait_ready(STDERR_FILENO, POLLOUT, 0)) {
        warn("dropped {} message{} so far (stdout is not keeping up)", m_ledger.total(),
            plural(m_ledger.total()));
        m_ledger.reported(now);
    }
    return false;
}

void LossyOutput::append(std::string_view bytes)
{
    m_out.append(bytes);
    write_some();
}

void LossyOutput::write_some()
{
    if (m_out.write_to(m_fd) == OutBuffer::Status::Closed)
        framing::throw_write_error(errno);
}

void LossyOutput::finish()
{
    report_total();
    while (!m_out.empty()) {
        auto const status = m_out.write_to(m_fd);
        if (status == OutBuffer::Status::Closed)
            framing::throw_write_error(errno);
        if (status == OutBuffer::Status::Blocked)
            sys::wait_ready(m_fd, POLLOUT);
    }
}

void LossyOutput::report_total() noexcept
{
    if (m_total_reported || m_ledger.total() == 0)
        return;
    m_total_reported = true;
    // Not a catch site of the kind STYLE section 6 means: formatting may
    // throw (out of memory) and this runs from a destructor.
    try {
        warn("dropped {} message{} in all (stdout did not keep up)", m_ledger.total(),
            plural(m_ledger.total()));
    } catch (...) {
    }
}

}
