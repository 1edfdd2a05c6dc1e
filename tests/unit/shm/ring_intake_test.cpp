// tests/unit/shm/ring_intake_test.cpp: delimited input read straight into a
// ring: whole across the wrap and across reads, the last message without a
// delimiter, --max-size and the ring's limit, --count.

#include "ipc/core/bytes.hpp"
#include "ipc/shm/ring_intake.hpp"
#include "ipc/shm/ring_reader.hpp"
#include "ipc/shm/ring_stream.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using ipc::shm::Overflow;
using ipc::shm::RecordType;
using ipc::shm::Ring;
using ipc::shm::RingReader;
using ipc::shm::RingWriter;

ipc::shm::Store store_in(ipc::test::TempDir const& dir)
{
    return { dir.path().string(), 1000 };
}

// Lines of 0 to 9,000 bytes, many longer than a read, each naming its number.
std::string lines(std::size_t count, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::string text;
    for (std::size_t i = 0; i < count; ++i) {
        auto const filler = random() % 8 == 0 ? random() % 9000 : random() % 60;
        text += fmt::format("{}:{}\n", i, std::string(filler, static_cast<char>('a' + i % 26)));
    }
    return text;
}

// What the reader gets, as ipc-shm read prints it in lines.
struct Got {
    std::string bytes;
    std::uint64_t messages = 0;
    std::uint64_t uncounted = 0; // Lines records the writer did not count.
    std::vector<RecordType> types;
};

Got read_all(RingReader& reader)
{
    Got got;
    while (auto record = reader.next()) {
        got.bytes += record->payload;
        if (record->type == RecordType::Message)
            got.bytes += '\n';
        got.messages += record->count;
        if (record->type == RecordType::Lines && record->count == 0) {
            ++got.uncounted;
            got.messages += ipc::count_byte(record->payload, record->delimiter);
        }
        got.types.push_back(record->type);
    }
    return got;
}

// A reader on a thread of its own, registered once constructed.
class Drain {
public:
    explicit Drain(Ring& ring)
        : m_thread([this, &ring] {
            ipc::Stop stop({});
            RingReader reader(ring, stop);
            m_ready = true;
            m_got = read_all(reader);
        })
    {
        while (!m_ready) // Bounded by the reader's start-up.
            std::this_thread::yield();
    }
    // What it read, once the stream ended.
    Got const& got()
    {
        m_thread.join();
        return m_got;
    }

private:
    std::atomic<bool> m_ready { false };
    Got m_got;
    std::jthread m_thread;
};

// An fd that reads text: a file, or a pipe fed by a thread in odd pieces.
class Input {
public:
    Input(ipc::test::TempDir const& dir, std::string const& text, bool pipe)
    {
        if (!pipe) {
            auto const path = dir.path() / "input";
            std::ofstream(path, std::ios::binary) << text;
            m_fd = ::open(path.c_str(), O_RDONLY);
            return;
        }
        int ends[2];
        REQUIRE(::pipe(ends) == 0);
        m_fd = ends[0];
        m_feeder = std::jthread([text, in = ends[1]] {
            std::mt19937 random(3);
            for (std::size_t at = 0; at < text.size();) {
                auto const piece = std::min<std::size_t>(1 + random() % 20000, text.size() - at);
                auto const wrote = ::write(in, text.data() + at, piece);
                if (wrote <= 0)
                    break;
                at += static_cast<std::size_t>(wrote);
            }
            ::close(in);
        });
    }
    ~Input() { ::close(m_fd); }
    int fd() const { return m_fd; }

private:
    int m_fd = -1;
    std::jthread m_feeder;
};

ipc::Exit exit_of(auto const& action, std::string& what)
{
    try {
        action();
    } catch (ipc::Error const& error) {
        what = error.what();
        return error.exit();
    }
    return ipc::Exit::Ok;
}

}

TEST_CASE(
    "lines read straight into the ring come out byte for byte across reads and the wrap", "[shm]")
{
    bool const pipe = GENERATE(false, true);
    std::size_t const chunk = GENERATE(4096UL, 8192UL);
    CAPTURE(pipe, chunk);
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size); // 64 KiB: it wraps ~70 times.
    auto const text = lines(3000, 11);
    Input input(dir, text, pipe);
    Drain drain(ring);
    ipc::Stop stop({});
    {
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(ipc::shm::write_direct(writer, input.fd(), '\n', 1 << 20, chunk, stop));
    }
    auto const& got = drain.got();
    CHECK(got.messages == 3000);
    CHECK(got.uncounted > 0); // Nobody needed the counts: no --lossy, no --count.
    REQUIRE(got.bytes.size() == text.size());
    CHECK(got.bytes == text);
}

TEST_CASE("a last message without its delimiter is a message, and the End record follows", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    Input input(dir, "a,bb,ccc", false);
    ipc::Stop stop({});
    RingReader reader(ring, stop);
    {
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(ipc::shm::write_direct(writer, input.fd(), ',', 100, 4096, stop));
    }
    auto const got = read_all(reader);
    CHECK(got.bytes == "a,bb,ccc\n");
    CHECK(got.types == std::vector<RecordType> { RecordType::Lines, RecordType::Message });
    CHECK(got.messages == 3);
    CHECK(reader.ended()); // The End record was there, so no error.
}

TEST_CASE("a message over --max-size or over the ring is refused; the ring's largest fits", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop stop({});
    std::string what;
    {
        Input input(dir, "short\n" + std::string(11, 'x') + "\nlater\n", false);
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(
            exit_of([&] { ipc::shm::write_direct(writer, input.fd(), '\n', 10, 4096, stop); }, what)
            == ipc::Exit::Usage);
        CHECK(what == "stdin: message 2 is longer than --max-size (10 bytes)");
    }
    auto const most = ipc::shm::min_ring_size - 48; // RingWriter::max_message().
    {
        Input input(dir, std::string(most + 1, 'y') + "\n", false);
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(
            exit_of([&] { ipc::shm::write_direct(writer, input.fd(), '\n', 1 << 20, 4096, stop); },
                what)
            == ipc::Exit::Usage);
        CHECK(what
            == fmt::format("r: a message of more than {0} bytes does not fit in the ring "
                           "({0} bytes at most)",
                most));
    }
    Drain drain(ring); // The writer waits for room before each read: drain meanwhile.
    {
        Input input(dir, std::string(most, 'z') + "\n", false);
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(ipc::shm::write_direct(writer, input.fd(), '\n', 1 << 20, 4096, stop));
    }
    auto const& got = drain.got();
    CHECK(got.messages == 1);
    CHECK(got.bytes == std::string(most, 'z') + "\n");
}

TEST_CASE("--count ends the input in the middle of a read", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    Input input(dir, "1\n2\n3\n4\n5\n", false);
    ipc::Stop reading({});
    RingReader reader(ring, reading);
    {
        ipc::Stop stop({ .count = 3 });
        RingWriter writer(ring, Overflow::Block, stop);
        CHECK(ipc::shm::write_direct(writer, input.fd(), '\n', 100, 4096, stop));
        CHECK(stop.counted() == 3);
    }
    CHECK(read_all(reader).bytes == "1\n2\n3\n");
}

TEST_CASE("behind a lossy writer reading straight into the ring, no message is torn", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    auto const text = lines(20000, 5);
    Input input(dir, text, false);
    std::uint64_t lost = 0;
    std::uint64_t got = 0;
    std::atomic<bool> ready { false };
    std::jthread reading([&] {
        ipc::Stop stop({});
        RingReader reader(ring, stop);
        ready = true;
        long last = -1;
        while (auto record = reader.next()) {
            auto run = std::string(record->payload);
            if (record->type == RecordType::Message)
                run += '\n';
            for (std::size_t at = 0; at < run.size();) {
                auto const end = run.find('\n', at);
                auto const colon = run.find(':', at);
                auto const number = std::stol(run.substr(at, colon - at));
                auto const filler = run.substr(colon + 1, end - colon - 1);
                REQUIRE(number > last); // In order, and each message whole.
                REQUIRE(filler == std::string(filler.size(), static_cast<char>('a' + number % 26)));
                last = number;
                ++got;
                at = end + 1;
            }
        }
        lost = reader.lost();
    });
    while (!ready) // Bounded by the reader's start-up.
        std::this_thread::yield();
    {
        ipc::Stop stop({});
        RingWriter writer(ring, Overflow::Lossy, stop);
        CHECK(ipc::shm::write_direct(writer, input.fd(), '\n', 1 << 20, 8192, stop));
    }
    reading.join();
    CHECK(got + lost == 20000);
}

TEST_CASE("a reader with --count counts a run the writer left uncounted", "[shm]")
{
    ipc::test::TempDir dir;
    Ring ring(store_in(dir), "r", ipc::shm::min_ring_size);
    ipc::Stop reading({ .count = 2 });
    RingReader reader(ring, reading);
    {
        ipc::Stop stop({});
        RingWriter writer(ring, Overflow::Block, stop);
        REQUIRE(writer.write_run("1\n2\n3\n", '\n', 0));
    }
    auto const path = dir.path() / "out";
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    ipc::framing::Writer out(fd, {});
    ipc::shm::read_stream(reader, out, "r", reading);
    out.flush();
    ::close(fd);
    std::ifstream file(path, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(file), {}) == "1\n2\n");
    CHECK(reading.count_reached());
}
