#include "ipc/io/child.hpp"

#include "ipc/core/error.hpp"
#include "support/read_available.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TEST_CASE("a child runs argv without a shell, with extra environment", "[io]")
{
    int out[2];
    REQUIRE(::pipe(out) == 0);
    ipc::io::Child child({ .argv = { "sh", "-c", "echo \"$IPC_X\" '$HOME'" },
        .environment = { "IPC_X=a b" },
        .stdout_fd = out[1] });
    ::close(out[1]);
    int const status = child.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(ipc::test::read_available(out[0]) == "a b $HOME\n");
    ::close(out[0]);
}

TEST_CASE("a child's exit status and stderr reach the parent", "[io]")
{
    ipc::io::Child child(
        { .argv = { "sh", "-c", "echo oops >&2; exit 3" }, .capture_stderr = true });
    CHECK(ipc::test::read_available(child.stderr_fd()) == "oops\n");
    pollfd exited { child.exit_fd(), POLLIN, 0 };
    REQUIRE(::poll(&exited, 1, 5000) == 1);
    auto const status = child.try_wait();
    REQUIRE(status);
    CHECK(ipc::io::describe_status(*status) == "exit 3");
}

TEST_CASE("a child gets SIGPIPE and the signal mask back at their defaults", "[io]")
{
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t blocked, old;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &blocked, &old);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    ipc::io::Child child({ .argv = { "sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status" },
        .stdout_fd = out[1] });
    ::close(out[1]);
    child.wait();
    auto const text = ipc::test::read_available(out[0]);
    ::close(out[0]);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    CHECK(text.find("SigBlk:\t0000000000000000") != std::string::npos);
    // SIGPIPE is signal 13, bit 0x1000 of SigIgn.
    auto const ignored = text.substr(text.find("SigIgn:\t") + 8, 16);
    CHECK((std::stoull(ignored, nullptr, 16) & 0x1000) == 0);
}

TEST_CASE("a command that does not exist is an error naming it", "[io]")
{
    try {
        ipc::io::Child child({ .argv = { "no-such-command-ipckit" } });
        FAIL("spawned");
    } catch (ipc::Error const& e) {
        CHECK(e.exit() == ipc::Exit::Usage);
        CHECK(
            std::string(e.what()) == "no-such-command-ipckit: command not found or not executable");
        CHECK(e.hint() == "give the handler's path, or fix PATH");
    }
}

TEST_CASE("killing a child reaches its whole process group", "[io]")
{
    // The grandchild holds the pipe too: EOF comes only once it is dead as well.
    int out[2];
    REQUIRE(::pipe(out) == 0);
    ipc::io::Child child(
        { .argv = { "sh", "-c", "sleep 30 & echo started; wait" }, .stdout_fd = out[1] });
    ::close(out[1]);
    char buffer[16];
    REQUIRE(::read(out[0], buffer, 8) == 8); // "started\n": the grandchild runs.
    child.kill(SIGKILL);
    int const status = child.wait();
    CHECK(WIFSIGNALED(status));
    CHECK(ipc::io::describe_status(status) == "killed by SIGKILL");
    pollfd end { out[0], POLLIN, 0 };
    REQUIRE(::poll(&end, 1, 5000) == 1);
    CHECK(::read(out[0], buffer, sizeof(buffer)) == 0);
    ::close(out[0]);
}

TEST_CASE("a script without a #! line runs under /bin/sh, as execvp runs it", "[io]")
{
    char path[] = "/tmp/ipckit-script-XXXXXX";
    int const fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    std::string const script = "echo \"ran $0 with $1\"\n";
    REQUIRE(::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size()));
    ::fchmod(fd, 0700);
    ::close(fd);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    ipc::io::Child child({ .argv = { path, "x" }, .stdout_fd = out[1] });
    ::close(out[1]);
    int const status = child.wait();
    ::unlink(path);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(ipc::test::read_available(out[0]) == fmt::format("ran {} with x\n", path));
    ::close(out[0]);
}

TEST_CASE("a file found in PATH but not executable is refused with EACCES", "[io]")
{
    char dir[] = "/tmp/ipckit-path-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    auto const file = std::string(dir) + "/ipckit-not-executable";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0600));
    std::string const old_path = ::getenv("PATH");
    ::setenv("PATH", dir, 1);
    int error = 0;
    CHECK(!ipc::io::find_program("ipckit-not-executable", error));
    CHECK(error == EACCES);
    try {
        ipc::io::Child child({ .argv = { "ipckit-not-executable" } });
        FAIL("spawned");
    } catch (ipc::Error const& e) {
        CHECK(
            std::string(e.what()) == "ipckit-not-executable: command not found or not executable");
    }
    ::setenv("PATH", old_path.c_str(), 1);
    ::unlink(file.c_str());
    ::rmdir(dir);
}

TEST_CASE("a child's stdin and stdout can both be pipes of the parent's", "[io]")
{
    ipc::io::Child child(
        { .argv = { "head", "-n", "1" }, .pipe_stdin = true, .capture_stdout = true });
    REQUIRE(child.stdin_fd() >= 0);
    REQUIRE(child.stdout_fd() >= 0);
    REQUIRE(::write(child.stdin_fd(), "hello\nworld\n", 12) == 12);
    CHECK(ipc::test::read_available(child.stdout_fd()) == "hello\n"); // Up to its end: head exited.
    int const status = child.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a child gets only stdin, stdout and stderr of our descriptors", "[io]")
{
    // Neither close-on-exec: a low one, and one far above the others.
    int const low = ::open("/dev/null", O_RDONLY);
    int const high = ::fcntl(low, F_DUPFD, 900);
    REQUIRE(low >= 3);
    REQUIRE(high >= 900);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    auto const script = fmt::format(
        "for fd in {} {}; do [ -e /proc/$$/fd/$fd ] && echo \"$fd open\"; done; echo checked", low,
        high);
    ipc::io::Child child({ .argv = { "sh", "-c", script }, .stdout_fd = out[1] });
    ::close(out[1]);
    child.wait();
    CHECK(ipc::test::read_available(out[0]) == "checked\n");
    ::close(out[0]);
    ::close(low);
    ::close(high);
}

TEST_CASE("a child is killed when the process that started it dies", "[io]")
{
    int report[2], hold[2];
    REQUIRE(::pipe(report) == 0);
    REQUIRE(::pipe(hold) == 0);
    pid_t const parent = ::fork();
    REQUIRE(parent >= 0);
    if (parent == 0) { // Starts a child, tells its pid, and waits to be killed.
        ::close(report[0]);
        ::close(hold[1]);
        ipc::io::Child child({ .argv = { "sleep", "60" } });
        pid_t const pid = child.pid();
        [[maybe_unused]] auto const sent = ::write(report[1], &pid, sizeof(pid));
        char byte;
        [[maybe_unused]] auto const got = ::read(hold[0], &byte, 1);
        ::_exit(0);
    }
    ::close(report[1]);
    ::close(hold[0]);
    pid_t child = 0;
    REQUIRE(::read(report[0], &child, sizeof(child)) == sizeof(child));
    ::close(report[0]);
    int const child_fd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    REQUIRE(child_fd >= 0);
    ::kill(parent, SIGKILL);
    ::waitpid(parent, nullptr, 0);
    ::close(hold[1]);
    pollfd exited { child_fd, POLLIN, 0 };
    bool const died = ::poll(&exited, 1, 10000) == 1;
    if (!died)
        ::kill(child, SIGKILL);
    CHECK(died);
    ::close(child_fd);
}
