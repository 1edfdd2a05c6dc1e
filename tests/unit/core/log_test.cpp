#include "ipc/core/fd.hpp"
#include "ipc/core/log.hpp"

#include "support/read_available.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

// Whether thread tid of this process sleeps (in poll, say): 'S' in its stat.
bool sleeping(pid_t tid)
{
    std::ifstream stat(fmt::format("/proc/self/task/{}/stat", tid));
    std::string line;
    std::getline(stat, line);
    auto const end = line.rfind(')'); // The name may hold spaces; the state follows it.
    return end != line.npos && line.size() > end + 2 && line[end + 2] == 'S';
}

}

TEST_CASE("a warning to a full non-blocking stderr waits for room and arrives whole", "[core]")
{
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    ipc::Fd reader { ends[0] }, writer { ends[1] };
    REQUIRE(::fcntl(writer.get(), F_SETFL, O_NONBLOCK) == 0);
    std::string const fill(4096, '.');
    while (::write(writer.get(), fill.data(), fill.size()) > 0) { } // Until EAGAIN: full.
    ipc::Fd const saved { ::dup(STDERR_FILENO) };
    REQUIRE(saved.get() >= 0);
    REQUIRE(::dup2(writer.get(), STDERR_FILENO) == STDERR_FILENO);
    writer.reset();

    // The warning is written while the pipe is full: it must wait, not be lost.
    std::atomic<pid_t> tid = 0;
    std::atomic<bool> done = false;
    std::thread warner([&] {
        tid = ::gettid();
        ipc::warn_line("a warning that must not be lost");
        done = true;
    });
    auto const give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && !(tid != 0 && sleeping(tid)) && std::chrono::steady_clock::now() < give_up)
        std::this_thread::yield();
    std::string got;
    std::thread drain([&] { got = ipc::test::read_available(reader.get()); });
    warner.join();
    ::dup2(saved.get(), STDERR_FILENO); // The pipe's last writer goes: the reader ends.
    drain.join();
    auto const expected = std::string(ipc::program_name()) + ": a warning that must not be lost\n";
    REQUIRE(got.size() > expected.size());
    CHECK(got.substr(got.size() - expected.size()) == expected);
    CHECK(got.find_first_not_of('.') == got.size() - expected.size());
}
