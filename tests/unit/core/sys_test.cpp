#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>

using namespace std::chrono_literals;

namespace {

// A pipe, read end first; non-blocking on request.
std::pair<ipc::Fd, ipc::Fd> make_pipe(int flags = 0)
{
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC | flags) == 0);
    return { ipc::Fd { ends[0] }, ipc::Fd { ends[1] } };
}

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

void on_signal(int) { }

// Interrupts the calling thread's system calls with SIGUSR1 (a handler that
// does nothing, installed without SA_RESTART) every 5 ms, until destroyed.
class Interrupter {
public:
    Interrupter()
        : m_target(::pthread_self())
    {
        struct sigaction action { };
        action.sa_handler = on_signal;
        ::sigaction(SIGUSR1, &action, &m_old);
        m_thread = std::thread([this] {
            for (int i = 0; i < 2000 && !m_done; ++i) { // At most 10 s.
                ::pthread_kill(m_target, SIGUSR1);
                m_sent = m_sent + 1;
                std::this_thread::sleep_for(5ms);
            }
        });
    }
    ~Interrupter()
    {
        m_done = true;
        m_thread.join();
        ::sigaction(SIGUSR1, &m_old, nullptr);
    }
    int sent() const { return m_sent; }

private:
    pthread_t m_target;
    struct sigaction m_old { };
    std::atomic<bool> m_done { false };
    std::atomic<int> m_sent { 0 };
    std::thread m_thread;
};

}

TEST_CASE("an Fd closes what it owns, once, and moves it", "[core][sys]")
{
    auto [read, write] = make_pipe();
    int const raw = read.get();
    {
        ipc::Fd moved = std::move(read);
        CHECK_FALSE(read);
        CHECK(moved.get() == raw);
        CHECK(is_open(raw));
    }
    CHECK_FALSE(is_open(raw));

    int const released = write.release();
    CHECK_FALSE(write);
    CHECK(is_open(released));
    write.reset(released);
    CHECK(write.get() == released);
    write.reset();
    CHECK_FALSE(is_open(released));
}

TEST_CASE(
    "sys::check passes results through and throws a SystemError naming the call", "[core][sys]")
{
    CHECK(ipc::sys::check(3, "read") == 3);
    errno = ENOENT;
    try {
        ipc::sys::check(-1, "open", "/nowhere");
        FAIL("no exception");
    } catch (ipc::SystemError const& error) {
        CHECK(std::string(error.what()) == "open /nowhere: No such file or directory");
        CHECK(error.exit() == ipc::Exit::Unavailable);
        CHECK(error.error_number() == ENOENT);
    }
    CHECK(ipc::sys::exit_for_errno(EINVAL) == ipc::Exit::Usage);
    CHECK(ipc::sys::exit_for_errno(EIO) == ipc::Exit::IoError);
}

TEST_CASE("sys::wait_ready says whether an fd is ready, within its timeout", "[core][sys]")
{
    auto [read, write] = make_pipe(O_NONBLOCK);
    CHECK_FALSE(ipc::sys::wait_ready(read.get(), POLLIN, 0));
    auto const start = std::chrono::steady_clock::now();
    CHECK_FALSE(ipc::sys::wait_ready(read.get(), POLLIN, 50));
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    CHECK(ipc::sys::wait_ready(write.get(), POLLOUT, 0));

    REQUIRE(::write(write.get(), "x", 1) == 1);
    CHECK(ipc::sys::wait_ready(read.get(), POLLIN, 0));
    CHECK(ipc::sys::wait_ready(read.get(), POLLIN));
    write.reset(); // A hang-up is ready too: the next read reports it.
    char byte = 0;
    CHECK(ipc::sys::read_some(read.get(), &byte, 1) == 1);
    CHECK(ipc::sys::wait_ready(read.get(), POLLIN, 0));
    CHECK(ipc::sys::read_some(read.get(), &byte, 1) == 0);
}

TEST_CASE(
    "sys::wait_ready waits through signals for its whole timeout, or until ready", "[core][sys]")
{
    auto [read, write] = make_pipe(O_NONBLOCK);
    Interrupter interrupter;
    auto const start = std::chrono::steady_clock::now();
    CHECK_FALSE(ipc::sys::wait_ready(read.get(), POLLIN, 300));
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    CHECK(interrupter.sent() > 0);

    std::thread writer([fd = write.get()] {
        std::this_thread::sleep_for(100ms);
        (void)::write(fd, "x", 1);
    });
    CHECK(ipc::sys::wait_ready(read.get(), POLLIN));
    writer.join();
    char byte = 0;
    CHECK(::read(read.get(), &byte, 1) == 1); // Ready means ready, not interrupted.
}

TEST_CASE("sys::read_some waits for input on a non-blocking fd, through signals", "[core][sys]")
{
    auto [read, write] = make_pipe(O_NONBLOCK);
    std::thread writer([fd = write.get()] {
        std::this_thread::sleep_for(100ms);
        (void)::write(fd, "hello", 5);
    });
    char buffer[16];
    long count = 0;
    {
        Interrupter interrupter;
        count = ipc::sys::read_some(read.get(), buffer, sizeof buffer);
    }
    writer.join();
    REQUIRE(count == 5);
    CHECK(std::string(buffer, 5) == "hello");
    write.reset();
    CHECK(ipc::sys::read_some(read.get(), buffer, sizeof buffer) == 0);
    errno = 0;
    CHECK(ipc::sys::read_some(-1, buffer, sizeof buffer) == -1);
    CHECK(errno == EBADF);
}

TEST_CASE("sys::write_out asks on_blocked where a non-blocking fd is full", "[core][sys]")
{
    auto [read, write] = make_pipe(O_NONBLOCK);
    auto const capacity = ::fcntl(write.get(), F_SETPIPE_SZ, 4096);
    REQUIRE(capacity > 0);
    std::string const data(static_cast<std::size_t>(capacity) * 4 + 7, 'a');

    SECTION("giving up leaves the count short, with no error")
    {
        int asked = 0;
        auto const written = ipc::sys::write_out(write.get(), data, [&] {
            ++asked;
            return false;
        });
        CHECK(asked == 1);
        CHECK(written.count == static_cast<std::size_t>(capacity));
        CHECK(written.error == 0);
    }
    SECTION("making room lets it write everything")
    {
        std::string got;
        auto const written = ipc::sys::write_out(write.get(), data, [&, fd = read.get()] {
            char buffer[65536];
            auto const count = ipc::sys::read_some(fd, buffer, sizeof buffer);
            REQUIRE(count > 0);
            got.append(buffer, static_cast<std::size_t>(count));
            return true;
        });
        CHECK(written.count == data.size());
        CHECK(written.error == 0);
        char buffer[65536];
        auto const count = ipc::sys::read_some(read.get(), buffer, sizeof buffer);
        REQUIRE(count > 0);
        got.append(buffer, static_cast<std::size_t>(count));
        CHECK(got == data);
    }
    SECTION("without on_blocked it waits for room: sys::write_all")
    {
        std::string got;
        std::thread reader([&got, fd = read.get(), size = data.size()] {
            char buffer[65536];
            for (int i = 0; i < 100000 && got.size() < size; ++i) { // Bounded.
                if (!ipc::sys::wait_ready(fd, POLLIN, 10'000))
                    return;
                auto const count = ipc::sys::read_some(fd, buffer, sizeof buffer);
                if (count <= 0)
                    return;
                got.append(buffer, static_cast<std::size_t>(count));
            }
        });
        CHECK(ipc::sys::write_all(write.get(), data));
        reader.join();
        CHECK(got == data);
    }
}

TEST_CASE("sys::write_out reports the error that stopped it", "[core][sys]")
{
    auto [read, write] = make_pipe();
    read.reset();
    // A pipe would raise SIGPIPE: the test binary ignores it, as the tools do.
    auto const old = ::signal(SIGPIPE, SIG_IGN);
    auto const written = ipc::sys::write_out(write.get(), "lost");
    errno = 0;
    bool const all = ipc::sys::write_all(write.get(), "lost");
    int const saved = errno;
    ::signal(SIGPIPE, old);
    CHECK(written.count == 0);
    CHECK(written.error == EPIPE);
    CHECK_FALSE(all);
    CHECK(saved == EPIPE);
}

TEST_CASE("sys::read_some and sys::write_all go on through signals on blocking fds", "[core][sys]")
{
    auto [read, write] = make_pipe();
    REQUIRE(::fcntl(write.get(), F_SETPIPE_SZ, 4096) > 0);
    std::string const data(256 * 1024, 'b');
    std::string got;
    bool all = false;
    std::thread writer([&all, &data, fd = write.get()] {
        std::this_thread::sleep_for(100ms);
        all = ipc::sys::write_all(fd, data);
    });
    {
        Interrupter interrupter; // Interrupts this thread, the reader.
        char buffer[1024];
        for (int i = 0; i < 100000 && got.size() < data.size(); ++i) { // Bounded.
            auto const count = ipc::sys::read_some(read.get(), buffer, sizeof buffer);
            if (count <= 0)
                break;
            got.append(buffer, static_cast<std::size_t>(count));
        }
    }
    // A reader that stopped early must not leave the writer blocked: it gets EPIPE.
    auto const old = ::signal(SIGPIPE, SIG_IGN);
    read.reset();
    writer.join();
    ::signal(SIGPIPE, old);
    CHECK(all);
    CHECK(got == data);
}
