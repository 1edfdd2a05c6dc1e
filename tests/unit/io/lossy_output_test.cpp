#include "ipc/io/lossy_output.hpp"

#include "support/read_available.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fcntl.h>
#include <sstream>
#include <string>
#include <unistd.h>

TEST_CASE(
    "a lossy output never waits: beyond its bound whole messages are dropped and counted", "[io]")
{
    int ends[2];
    REQUIRE(::pipe2(ends, O_NONBLOCK | O_CLOEXEC) == 0);
    ipc::Fd const reader { ends[0] };
    ipc::Fd const writer { ends[1] };
    REQUIRE(::fcntl(writer.get(), F_SETPIPE_SZ, 4096) >= 0); // Full soon, and nobody reads.

    ipc::Stop stop({});
    ipc::framing::Writer out(writer.get(), {});
    ipc::io::LossyOutput lossy(writer.get(), 1000, out, stop);
    constexpr int sent = 10000;
    std::uint64_t admitted = 0;
    for (int i = 0; i < sent; ++i) {
        auto const line = std::to_string(i);
        if (lossy.admit(line.size(), 1)) {
            out.write({ line, {} });
            ++admitted;
        }
    }
    out.flush();
    CHECK(lossy.dropped() > 0);
    CHECK(admitted + lossy.dropped() == sent);

    // What the pipe holds, then the rest (at most the bound and a message).
    auto got = ipc::test::read_available(reader.get());
    lossy.finish();
    got += ipc::test::read_available(reader.get());
    std::istringstream lines(got);
    std::uint64_t count = 0;
    long last = -1;
    for (std::string line; std::getline(lines, line); ++count) {
        auto const number = std::stol(line); // Whole lines of digits only.
        CHECK(std::to_string(number) == line);
        CHECK(number > last); // In order, none twice.
        last = number;
    }
    CHECK(count == admitted);
    CHECK(got.back() == '\n');
}
