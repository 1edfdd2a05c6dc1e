#include "ipc/core/error.hpp"
#include "ipc/core/fd.hpp"
#include "ipc/core/headers.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/framing/writer.hpp"
#include "support/read_available.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <pthread.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

using ipc::Fd;
using ipc::MessageView;
using namespace ipc::framing;
using namespace std::string_literals;

namespace {

struct Pipe {
    Fd read;
    Fd write;
};

Pipe make_pipe(int flags = 0)
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC | flags) == 0);
    return { Fd(fds[0]), Fd(fds[1]) };
}

void set_nonblocking(int fd)
{
    REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

Options options_for(Mode mode, std::size_t max_size = ipc::default_max_size)
{
    Options options;
    options.mode = mode;
    options.delimiter = mode == Mode::Delimiter ? ',' : mode == Mode::Nul ? '\0' : '\n';
    options.max_size = max_size;
    return options;
}

std::vector<std::string> read_messages(int fd, Options const& options)
{
    Reader reader(fd, options);
    std::vector<std::string> messages;
    while (auto message = reader.next())
        messages.emplace_back(message->data);
    CHECK(reader.count() == messages.size());
    CHECK_FALSE(reader.next()); // The end stays the end.
    return messages;
}

// Reads `input` from a pipe fed by a thread, so any size works. When the
// reader throws, its end is closed so that the feeder stops (with EPIPE: it
// blocks SIGPIPE) and can be joined.
std::vector<std::string> read_through_pipe(std::string const& input, Options const& options)
{
    auto pipe = make_pipe();
    bool written = false;
    std::thread feeder([&] {
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        written = ipc::sys::write_all(pipe.write.get(), input);
        pipe.write.reset();
    });
    try {
        auto messages = read_messages(pipe.read.get(), options);
        feeder.join();
        CHECK(written);
        return messages;
    } catch (...) {
        pipe.read.reset();
        feeder.join();
        throw;
    }
}

// What a Writer puts in a pipe for these messages.
std::string write_through_pipe(std::vector<MessageView> const& messages, Options const& options)
{
    auto pipe = make_pipe();
    std::string out;
    std::thread reader([&] { out = ipc::test::read_available(pipe.read.get()); });
    {
        Writer writer(pipe.write.get(), options);
        for (auto const& message : messages)
            writer.write(message);
        writer.flush();
        CHECK_FALSE(writer.has_pending());
    }
    pipe.write.reset();
    reader.join();
    return out;
}

std::string error_of(std::function<void()> const& body, ipc::Exit exit)
{
    try {
        body();
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == exit);
        return error.what();
    }
    FAIL("no ipc::Error was thrown");
    return {};
}

}

TEST_CASE("a reader returns the messages of a pipe in every framing, then the end", "[framing]")
{
    CHECK(read_through_pipe("a\n\nb\r\nlast", options_for(Mode::Line))
        == std::vector<std::string> { "a", "", "b\r", "last" });
    CHECK(read_through_pipe("", options_for(Mode::Line)).empty());
    CHECK(read_through_pipe("a\0b\0"s, options_for(Mode::Nul))
        == std::vector<std::string> { "a", "b" });
    CHECK(read_through_pipe("a,b", options_for(Mode::Delimiter))
        == std::vector<std::string> { "a", "b" });
    CHECK(read_through_pipe("a\nb\n", options_for(Mode::Whole))
        == std::vector<std::string> { "a\nb\n" });
    CHECK(read_through_pipe("", options_for(Mode::Whole)) == std::vector<std::string> { "" });
    CHECK(read_through_pipe("\0\0\0\2hi\0\0\0\0"s, options_for(Mode::Length))
        == std::vector<std::string> { "hi", "" });
}

TEST_CASE("a reader reads JSON envelopes into data, topic and time", "[framing]")
{
    auto options = options_for(Mode::Line);
    options.json = true;
    auto pipe = make_pipe();
    REQUIRE(ipc::sys::write_all(pipe.write.get(),
        "{\"topic\":\"a.b\",\"data\":\"x\\ny\",\"time\":\"2026-11-27T04:42:38.123456Z\"}\n"
        "{\"data\":\"/w==\",\"encoding\":\"base64\",\"id\":7}\n"));
    pipe.write.reset();
    Reader reader(pipe.read.get(), options);
    auto first = reader.next();
    REQUIRE(first);
    CHECK(first->data == "x\ny");
    CHECK(first->topic == "a.b");
    CHECK(first->time_ns == 1795754558123456000);
    auto second = reader.next();
    REQUIRE(second);
    CHECK(second->data == "\xff");
    CHECK(second->topic.empty());
    CHECK_FALSE(reader.next());
}

TEST_CASE("a JSON envelope's headers are read, and written back the same", "[framing]")
{
    auto options = options_for(Mode::Line);
    options.json = true;
    std::string const lines = R"({"topic":"a","data":"x","headers":{"K":["1","2"],"L":[""]}})"
                              "\n"
                              R"({"topic":"a","data":"y"})"
                              "\n";
    auto pipe = make_pipe();
    REQUIRE(ipc::sys::write_all(pipe.write.get(), lines));
    pipe.write.reset();
    Reader reader(pipe.read.get(), options);
    auto const first = reader.next();
    REQUIRE(first);
    CHECK(ipc::header_values(first->headers, "K") == std::vector<std::string_view> { "1", "2" });
    std::string const headers(first->headers);
    auto const second = reader.next();
    REQUIRE(second);
    CHECK(second->headers.empty());
    CHECK(write_through_pipe({ { "x", "a", 0, headers }, { "y", "a", 0 } }, options) == lines);
    // The other framings carry the data alone.
    CHECK(write_through_pipe({ { "x", "a", 0, headers } }, options_for(Mode::Line)) == "x\n");
}

TEST_CASE("bad JSON on stdin is an error that names its line", "[framing]")
{
    auto options = options_for(Mode::Line);
    options.json = true;
    auto pipe = make_pipe();
    REQUIRE(ipc::sys::write_all(pipe.write.get(), "{\"data\":\"ok\"}\n{\"data\":\"bad\\q\"}\n"));
    pipe.write.reset();
    Reader reader(pipe.read.get(), options);
    REQUIRE(reader.next());
    CHECK(error_of([&] { reader.next(); }, ipc::Exit::Usage)
        == "stdin: line 2: invalid escape in a string at column 14");
}

TEST_CASE("a message longer than --max-size is an error that names it", "[framing]")
{
    auto const mode = GENERATE(Mode::Line, Mode::Whole, Mode::Length);
    CAPTURE(static_cast<int>(mode));
    std::string const input = mode == Mode::Length ? "\0\0\0\2ok\0\0\0\5large"s : "ok\nlarge"s;
    std::size_t const expected = mode == Mode::Whole ? 1 : 2;
    CHECK(error_of([&] { read_through_pipe(input, options_for(mode, 4)); }, ipc::Exit::Usage)
        == fmt::format("stdin: message {} is longer than --max-size (4 bytes)", expected));
}

TEST_CASE("decoded JSON data longer than --max-size is refused", "[framing]")
{
    auto options = options_for(Mode::Line, 4);
    options.json = true;
    CHECK(read_through_pipe("{\"data\":\"\\u0001\\u0001\\u0001\\u0001\"}\n", options).size() == 1);
    CHECK(error_of([&] { read_through_pipe("{\"data\":\"12345\"}\n", options); }, ipc::Exit::Usage)
        == "stdin: message 1 is longer than --max-size (4 bytes)");
}

TEST_CASE("a truncated --len frame at the end of input is an error", "[framing]")
{
    CHECK(error_of([&] { read_through_pipe("\0\0\0\1a\0\0\0\3ab"s, options_for(Mode::Length)); },
              ipc::Exit::Usage)
        == "stdin: truncated --len frame at the end of input (message 2)");
}

TEST_CASE("a 10 MiB line goes through a pipe as one message", "[framing]")
{
    std::string line(10 << 20, 'x');
    line[12345] = 'y';
    auto const messages = read_through_pipe(line + "\nnext\n", options_for(Mode::Line));
    REQUIRE(messages.size() == 2);
    CHECK(messages[0] == line);
    CHECK(messages[1] == "next");
}

TEST_CASE("on_idle runs before a read that would block, and not while input is ready", "[framing]")
{
    auto pipe = make_pipe();
    REQUIRE(ipc::sys::write_all(pipe.write.get(), "a\nb\n"));
    // The producer answers "c" only when the reader goes idle. A watchdog
    // answers after a while instead, so a broken reader fails rather than hangs.
    std::mutex mutex;
    std::condition_variable answered_changed;
    bool answered = false;
    auto const answer = [&] {
        answered = ipc::sys::write_all(pipe.write.get(), "c\n");
        pipe.write.reset();
    };
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!answered_changed.wait_for(lock, std::chrono::seconds(5), [&] { return answered; }))
            answer();
    });
    Reader reader(pipe.read.get(), options_for(Mode::Line));
    int idle = 0;
    reader.set_on_idle([&] {
        std::lock_guard lock(mutex);
        if (++idle == 1)
            answer();
        answered_changed.notify_all();
        return true;
    });
    CHECK(reader.next()->data == "a");
    CHECK(reader.next()->data == "b");
    CHECK(idle == 0);
    CHECK(reader.next()->data == "c");
    CHECK(idle == 1);
    CHECK_FALSE(reader.next()); // At the end the pipe is readable: no idle call.
    CHECK(idle == 1);
    watchdog.join();
}

TEST_CASE("a reader stops without a partial last line when on_idle says so", "[framing]")
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    Fd read_end(fds[0]);
    Fd write_end(fds[1]);
    REQUIRE(ipc::sys::write_all(write_end.get(), "whole\npart"));
    Reader reader(read_end.get(), options_for(Mode::Line));
    int idle = 0;
    reader.set_on_idle([&] {
        ++idle;
        return false;
    });
    CHECK(reader.next()->data == "whole");
    CHECK_FALSE(reader.next());
    CHECK(idle == 1);
}

TEST_CASE("a reader of a regular file never calls on_idle", "[framing]")
{
    Fd file(::memfd_create("framing-test", MFD_CLOEXEC));
    REQUIRE(file);
    REQUIRE(ipc::sys::write_all(file.get(), "one\ntwo\n"));
    REQUIRE(::lseek(file.get(), 0, SEEK_SET) == 0);
    Reader reader(file.get(), options_for(Mode::Line));
    reader.set_on_idle([] {
        FAIL_CHECK("on_idle called for a regular file");
        return true;
    });
    CHECK(reader.next()->data == "one");
    CHECK(reader.next()->data == "two");
    CHECK_FALSE(reader.next());
}

TEST_CASE("a reader waits on a non-blocking stdin instead of failing", "[framing]")
{
    auto pipe = make_pipe();
    set_nonblocking(pipe.read.get());
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ipc::sys::write_all(pipe.write.get(), "late\n");
        pipe.write.reset();
    });
    std::vector<std::string> messages;
    CHECK_NOTHROW(messages = read_messages(pipe.read.get(), options_for(Mode::Line)));
    writer.join();
    CHECK(messages == std::vector<std::string> { "late" });
}

TEST_CASE("a failing read is an I/O error", "[framing]")
{
    auto pipe = make_pipe();
    Reader reader(pipe.write.get(), options_for(Mode::Line)); // Reading a write end: EBADF.
    CHECK(
        error_of([&] { reader.next(); }, ipc::Exit::IoError) == "read stdin: Bad file descriptor");
}

TEST_CASE("a writer frames each message for its mode", "[framing]")
{
    std::vector<MessageView> const messages { { "a", "t", 0 }, { "", "", 0 }, { "b\n", "", 0 } };
    CHECK(write_through_pipe(messages, options_for(Mode::Line)) == "a\n\nb\n\n");
    CHECK(write_through_pipe(messages, options_for(Mode::Nul)) == "a\0\0b\n\0"s);
    CHECK(write_through_pipe(messages, options_for(Mode::Delimiter)) == "a,,b\n,");
    CHECK(write_through_pipe(messages, options_for(Mode::Whole)) == "ab\n");
    CHECK(
        write_through_pipe(messages, options_for(Mode::Length)) == "\0\0\0\1a\0\0\0\0\0\0\0\2b\n"s);
    auto json = options_for(Mode::Line);
    json.json = true;
    CHECK(write_through_pipe(messages, json)
        == "{\"topic\":\"t\",\"data\":\"a\"}\n{\"data\":\"\"}\n{\"data\":\"b\\n\"}\n");
}

TEST_CASE("line and NUL framing need no delimiter from the caller", "[framing]")
{
    Options options;
    options.mode = Mode::Nul; // The delimiter stays '\n'.
    CHECK(write_through_pipe({ { "a", "", 0 } }, options) == "a\0"s);
    CHECK(read_through_pipe("a\nb\0"s, options) == std::vector<std::string> { "a\nb" });
    options.mode = Mode::Line;
    options.delimiter = ',';
    CHECK(write_through_pipe({ { "a", "", 0 } }, options) == "a\n");
    CHECK(read_through_pipe("a,b\n", options) == std::vector<std::string> { "a,b" });
}

TEST_CASE("a writer adds the extra members to a JSON envelope", "[framing]")
{
    auto options = options_for(Mode::Line);
    options.json = true;
    auto pipe = make_pipe();
    Writer writer(pipe.write.get(), options);
    writer.write({ "x", "", 0 }, { { "id", "\"7\"" } });
    writer.flush();
    pipe.write.reset();
    CHECK(ipc::test::read_available(pipe.read.get()) == "{\"data\":\"x\",\"id\":\"7\"}\n");
}

TEST_CASE("large messages and many small ones arrive whole and in order", "[framing]")
{
    std::string const large(3 << 20, 'L');
    std::vector<MessageView> messages;
    for (int i = 0; i < 10000; ++i)
        messages.push_back({ i % 1000 == 0 ? std::string_view(large) : "small", "", 0 });
    for (auto const mode : { Mode::Line, Mode::Length }) {
        auto const options = options_for(mode);
        auto const bytes = write_through_pipe(messages, options);
        auto const back = read_through_pipe(bytes, options);
        REQUIRE(back.size() == messages.size());
        for (std::size_t i = 0; i < back.size(); ++i)
            REQUIRE(back[i] == messages[i].data);
    }
}

TEST_CASE("a writer batches until flush, and flushes each message when line-buffered", "[framing]")
{
    auto pipe = make_pipe(O_NONBLOCK);
    auto options = options_for(Mode::Line);
    {
        Writer writer(pipe.write.get(), options);
        writer.write({ "batched", "", 0 });
        CHECK(writer.has_pending());
        CHECK(ipc::test::read_available(pipe.read.get()).empty());
        writer.flush();
        CHECK_FALSE(writer.has_pending());
        CHECK(ipc::test::read_available(pipe.read.get()) == "batched\n");
    }
    options.line_buffered = true;
    Writer writer(pipe.write.get(), options);
    writer.write({ "now", "", 0 });
    CHECK_FALSE(writer.has_pending());
    CHECK(ipc::test::read_available(pipe.read.get()) == "now\n");
}

TEST_CASE("a writer writes out by itself once 64 KiB are batched", "[framing]")
{
    auto pipe = make_pipe(O_NONBLOCK);
    REQUIRE(::fcntl(pipe.write.get(), F_SETPIPE_SZ, 1 << 20) >= 0);
    Writer writer(pipe.write.get(), options_for(Mode::Line));
    std::string const line(1023, 'x');
    for (int i = 0; i < 63; ++i)
        writer.write({ line, "", 0 });
    CHECK(ipc::test::read_available(pipe.read.get()).empty());
    writer.write({ line, "", 0 });
    CHECK_FALSE(writer.has_pending());
    CHECK(ipc::test::read_available(pipe.read.get()).size() == 64 * 1024);
}

TEST_CASE("a writer to a non-blocking stdout waits instead of failing", "[framing]")
{
    auto pipe = make_pipe();
    set_nonblocking(pipe.write.get());
    std::string const data(4 << 20, 'w');
    std::string out;
    std::thread reader([&] { out = ipc::test::read_available(pipe.read.get()); });
    Writer writer(pipe.write.get(), options_for(Mode::Whole));
    writer.write({ data, "", 0 });
    writer.write({ "tail", "", 0 });
    writer.flush();
    pipe.write.reset();
    reader.join();
    CHECK(out == data + "tail");
}

TEST_CASE("a writer asks on_blocked where it would block, and drops the rest when it gives up",
    "[framing]")
{
    auto pipe = make_pipe(O_NONBLOCK);
    std::string const data(200'000, 'b'); // More than the pipe holds.
    Writer writer(pipe.write.get(), options_for(Mode::Line));
    std::string out;
    int calls = 0;
    writer.set_on_blocked([&] {
        out += ipc::test::read_available(pipe.read.get()); // The pipe is full: make room, once.
        return ++calls == 1;
    });
    writer.write({ "first", "", 0 });
    CHECK(writer.position() == 6);
    CHECK(writer.written() == 0);
    writer.write({ data, "", 0 });
    writer.flush();
    CHECK(calls == 2);
    CHECK(writer.position() == 6 + data.size() + 1);
    out += ipc::test::read_available(pipe.read.get());
    CHECK(writer.written() == out.size());
    CHECK(out.size() < 6 + data.size());
    CHECK(out.starts_with("first\nbbb"));
    writer.write({ "late", "", 0 }); // Once given up, everything is dropped.
    writer.flush();
    CHECK(ipc::test::read_available(pipe.read.get()).empty());
    CHECK(writer.position() == 6 + data.size() + 1 + 5);
}

TEST_CASE("a closed stdout (EPIPE) throws StdoutClosed", "[framing]")
{
    auto const previous = std::signal(SIGPIPE, SIG_IGN);
    auto pipe = make_pipe();
    pipe.read.reset();
    Writer writer(pipe.write.get(), options_for(Mode::Line));
    writer.write({ "lost", "", 0 });
    CHECK_THROWS_AS(writer.flush(), ipc::StdoutClosed);
    CHECK_FALSE(writer.has_pending());
    auto line_buffered = options_for(Mode::Line);
    line_buffered.line_buffered = true;
    Writer eager(pipe.write.get(), line_buffered);
    CHECK_THROWS_AS(eager.write({ "lost", "", 0 }), ipc::StdoutClosed);
    std::signal(SIGPIPE, previous);
}

TEST_CASE("a failing write other than EPIPE is an I/O error", "[framing]")
{
    auto pipe = make_pipe();
    Writer writer(pipe.read.get(), options_for(Mode::Line)); // Writing a read end: EBADF.
    writer.write({ "x", "", 0 });
    CHECK(error_of([&] { writer.flush(); }, ipc::Exit::IoError)
        == "write stdout: Bad file descriptor");
}

TEST_CASE("reading runs and single messages gives the same messages as next() alone", "[framing]")
{
    std::string input;
    for (int i = 0; i < 20000; ++i)
        input += std::to_string(i) + (i % 7 == 0 ? "\n\n" : "\n");
    input += "tail";
    auto pipe = make_pipe();
    std::thread writer([&] {
        ipc::sys::write_all(pipe.write.get(), input);
        pipe.write.reset();
    });
    Reader reader(pipe.read.get(), options_for(Mode::Line));
    std::string got;
    while (true) {
        if (auto const run = reader.next_run(4096); !run.empty()) {
            CHECK(run.back() == '\n');
            got += run;
            continue;
        }
        auto message = reader.next();
        if (!message)
            break;
        got += std::string(message->data) + "\n";
    }
    writer.join();
    CHECK(got == input + "\n");
    CHECK(reader.count() == 20000 + 20000 / 7 + 1 + 1);
}

TEST_CASE("a writer passes runs through and knows when it can", "[framing]")
{
    auto pipe = make_pipe();
    Writer writer(pipe.write.get(), options_for(Mode::Line));
    REQUIRE(writer.run_delimiter() == '\n');
    writer.write_run("a\nb\n");
    writer.write({ "c", "t", 0 });
    writer.flush();
    pipe.write.reset();
    std::string got(16, '\0');
    got.resize(static_cast<std::size_t>(::read(pipe.read.get(), got.data(), got.size())));
    CHECK(got == "a\nb\nc\n");
    auto json = options_for(Mode::Line);
    json.json = true;
    CHECK_FALSE(Writer(pipe.read.get(), json).run_delimiter());
    auto verbose = options_for(Mode::Nul);
    verbose.topic_prefix = true;
    CHECK_FALSE(Writer(pipe.read.get(), verbose).run_delimiter());
    CHECK(Writer(pipe.read.get(), options_for(Mode::Nul)).run_delimiter() == '\0');
    CHECK_FALSE(Writer(pipe.read.get(), options_for(Mode::Length)).run_delimiter());
}
