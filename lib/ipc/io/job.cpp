// A Job is a Child with its plumbing: the memfd on its stdin, non-blocking
// pipes read as they fill (stdout up to its limit, stderr only its tail),
// and the deadline that kills its process group.

#include "ipc/io/job.hpp"

#include "ipc/core/limits.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"

#include <csignal>
#include <sys/mman.h>
#include <unistd.h>

namespace ipc::io {

namespace {

Child start(JobSpec const& spec)
{
    Fd input { sys::check(::memfd_create("ipc-job-input", MFD_CLOEXEC), "memfd_create") };
    if (!sys::write_all(input.get(), spec.input)
        || (spec.terminator
            && !sys::write_all(input.get(), std::string_view(&*spec.terminator, 1))))
        sys::fail("write", "memfd", errno);
    sys::check(::lseek(input.get(), 0, SEEK_SET), "lseek");
    Child child(Spawn { .argv = spec.argv,
        .environment = spec.environment,
        .stdin_fd = input.get(),
        .stdout_fd = spec.stdout_fd,
        .capture_stdout = spec.capture_stdout.has_value(),
        .capture_stderr = true });
    if (spec.capture_stdout)
        set_blocking(child.stdout_fd(), Blocking::No);
    set_blocking(child.stderr_fd(), Blocking::No);
    return child;
}

enum class Read { More, Ended };

// Appends one chunk of what the non-blocking fd holds to text.
Read read_chunk(int fd, std::string& text, bool& got)
{
    auto const size = text.size();
    text.resize(size + io_chunk_size);
    auto const count = ::read(fd, text.data() + size, io_chunk_size);
    text.resize(size + static_cast<std::size_t>(std::max<ssize_t>(count, 0)));
    got = count > 0;
    if (count > 0 || (count < 0 && (errno == EAGAIN || errno == EINTR)))
        return Read::More;
    return Read::Ended;
}

}

Job::Job(JobSpec const& spec)
    : m_child(start(spec))
    , m_output_limit(spec.capture_stdout)
    , m_on_stderr(spec.on_stderr)
    , m_reading_stdout(spec.capture_stdout.has_value())
{
    if (spec.timeout)
        m_deadline = Clock::now() + *spec.timeout;
}

bool Job::read_stdout()
{
    while (m_reading_stdout) {
        bool got = false;
        if (read_chunk(m_child.stdout_fd(), m_output, got) == Read::Ended)
            m_reading_stdout = false;
        else if (m_output.size() > *m_output_limit) {
            m_stopped = Stopped::TooLong;
            m_child.kill(SIGKILL);
            m_output = {};
            m_reading_stdout = false;
        } else if (!got) {
            break; // Nothing more for now.
        }
    }
    return m_reading_stdout;
}

bool Job::read_stderr()
{
    while (m_reading_stderr) {
        bool got = false;
        auto const before = m_errors.size();
        auto const read = read_chunk(m_child.stderr_fd(), m_errors, got);
        if (got && m_on_stderr)
            m_on_stderr(std::string_view(m_errors).substr(before));
        if (read == Read::Ended)
            m_reading_stderr = false;
        else if (!got)
            break;
        if (m_errors.size() > 2 * stderr_tail) {
            m_errors.erase(0, m_errors.size() - stderr_tail);
            m_errors_cut = true;
        }
    }
    return m_reading_stderr;
}

std::string_view Job::errors() const
{
    std::string_view errors = m_errors;
    return errors.size() > stderr_tail ? errors.substr(errors.size() - stderr_tail) : errors;
}

std::optional<Job::Clock::time_point> Job::deadline() const
{
    return m_stopped == Stopped::No ? m_deadline : std::nullopt;
}

bool Job::check_deadline(Clock::time_point now)
{
    if (!deadline() || now < *m_deadline)
        return false;
    m_stopped = Stopped::TimedOut;
    m_child.kill(SIGKILL); // The whole group: its children too.
    return true;
}

std::optional<int> Job::try_wait()
{
    auto const status = m_child.try_wait();
    if (!status)
        return std::nullopt;
    read_stdout(); // What it wrote before it exited is in the pipes.
    read_stderr();
    if (m_errors.size() > stderr_tail)
        m_errors_cut = true;
    return status;
}

}
