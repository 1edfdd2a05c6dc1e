#include "ipc/io/job.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

// Runs job to its end the way its owners do: poll its fds, read what is
// ready, check the deadline. Gives up after 20 s.
int finish(ipc::io::Job& job)
{
    auto const give_up = ipc::io::Job::Clock::now() + 20s;
    while (ipc::io::Job::Clock::now() < give_up) {
        pollfd fds[3] = { { job.exit_fd(), POLLIN, 0 },
            { job.stdout_open() ? job.stdout_fd() : -1, POLLIN, 0 },
            { job.stderr_open() ? job.stderr_fd() : -1, POLLIN, 0 } };
        ::poll(fds, 3, 100);
        if (fds[1].revents)
            job.read_stdout();
        if (fds[2].revents)
            job.read_stderr();
        job.check_deadline(ipc::io::Job::Clock::now());
        if (auto const status = job.try_wait())
            return *status;
    }
    FAIL("the job did not end within 20 s");
    return -1;
}

}

TEST_CASE("a job's input, with its terminator, is its stdin and its stdout is captured", "[io]")
{
    ipc::io::Job job({ .argv = { "sh", "-c", "printf '%s|' \"$IPC_X\"; cat" },
        .environment = { "IPC_X=seen" },
        .input = "hello",
        .terminator = '\n',
        .capture_stdout = 100 });
    int const status = finish(job);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(job.output() == "seen|hello\n");
    CHECK(job.stopped() == ipc::io::Job::Stopped::No);
}

TEST_CASE("a job whose stdout goes past its limit is killed and keeps none of it", "[io]")
{
    ipc::io::Job job({ .argv = { "sh", "-c", "seq 100000; sleep 30" }, .capture_stdout = 1000 });
    int const status = finish(job);
    CHECK(WIFSIGNALED(status));
    CHECK(job.stopped() == ipc::io::Job::Stopped::TooLong);
    CHECK(job.output().empty());
}

TEST_CASE("a job keeps the tail of its stderr, and says when it cut some", "[io]")
{
    auto const lines = GENERATE(3, 20000);
    CAPTURE(lines);
    ipc::io::Job job({ .argv = { "sh", "-c", "seq \"$0\" >&2; exit 3", std::to_string(lines) },
        .stdout_fd = -1 });
    CHECK(job.stdout_fd() == -1);
    int const status = finish(job);
    CHECK(WEXITSTATUS(status) == 3);
    auto const errors = std::string(job.errors());
    CHECK(errors.ends_with(std::to_string(lines) + "\n"));
    CHECK(job.errors_cut() == (lines > 3));
    CHECK(errors.size() == (lines > 3 ? ipc::io::stderr_tail : 6));
}

TEST_CASE("a job hands all of its stderr to on_stderr, beyond the tail it keeps", "[io]")
{
    std::string seen;
    ipc::io::Job job({ .argv = { "sh", "-c", "seq 20000 >&2" },
        .stdout_fd = -1,
        .on_stderr = [&seen](std::string_view piece) { seen += piece; } });
    CHECK(WEXITSTATUS(finish(job)) == 0);
    std::string all;
    for (int i = 1; i <= 20000; ++i)
        all += std::to_string(i) + "\n";
    CHECK(seen == all);
    CHECK(job.errors().size() == ipc::io::stderr_tail);
}

TEST_CASE("a job past its timeout is killed with its whole process group", "[io]")
{
    int out[2];
    REQUIRE(::pipe(out) == 0);
    // The grandchild holds the pipe: its end comes only once it is dead too.
    ipc::io::Job job({ .argv = { "sh", "-c", "sleep 30 & wait" },
        .stdout_fd = out[1],
        .timeout = std::chrono::milliseconds(200) });
    ::close(out[1]);
    REQUIRE(job.deadline());
    int const status = finish(job);
    CHECK(WIFSIGNALED(status));
    CHECK(job.stopped() == ipc::io::Job::Stopped::TimedOut);
    CHECK(!job.deadline());
    pollfd end { out[0], POLLIN, 0 };
    REQUIRE(::poll(&end, 1, 5000) == 1);
    char byte;
    CHECK(::read(out[0], &byte, 1) == 0);
    ::close(out[0]);
}
