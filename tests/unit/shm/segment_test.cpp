// tests/unit/shm/segment_test.cpp: names, headers, validation and listing of segments.

#include "ipc/shm/catalogue.hpp"
#include "ipc/shm/draft.hpp"
#include "ipc/shm/object.hpp"
#include "ipc/shm/segment.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

ipc::shm::Store store_in(ipc::test::TempDir const& dir)
{
    return { dir.path().string(), 1000 };
}

void write_file(std::string const& path, std::string const& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

ipc::Exit exit_of(std::function<void()> const& action)
{
    try {
        action();
    } catch (ipc::Error const& error) {
        return error.exit();
    }
    return ipc::Exit::Ok;
}

}

TEST_CASE("a segment is named ipc-UID-NAME in its store, with the scope of IPC_DIR", "[shm]")
{
    ipc::shm::Store const store { "/dev/shm", 1000, "" };
    CHECK(store.file_name("frame") == "ipc-1000-frame");
    CHECK(store.path("a.b") == "/dev/shm/ipc-1000-a.b");
    ipc::shm::Store const scoped { "/dev/shm", 1000, "0123456789ab" };
    CHECK(scoped.file_name("frame") == "ipc-1000:0123456789ab-frame");
    CHECK(scoped.path("a.b") == "/dev/shm/ipc-1000:0123456789ab-a.b");
}

TEST_CASE("an object reads back byte for byte, with its mode", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    std::string data(100000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i * 7);
    ipc::shm::put_object(store, "blob", data, 0640);
    CHECK(ipc::shm::Object(store, "blob").data() == data);
    struct stat st { };
    REQUIRE(::stat(store.path("blob").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    auto const info = ipc::shm::stat(store, "blob");
    CHECK(info.kind == ipc::shm::Kind::Object);
    CHECK(info.size == data.size());
}

TEST_CASE("an open object keeps its bytes when put replaces it", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "x", "old", 0600);
    ipc::shm::Object const before(store, "x");
    ipc::shm::put_object(store, "x", "newer", 0600);
    CHECK(before.data() == "old");
    CHECK(ipc::shm::Object(store, "x").data() == "newer");
}

TEST_CASE("put from a file descriptor copies to its end", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    std::string const data(3 * 1024 * 1024 + 17, 'z');
    write_file(dir / "input", data);
    ipc::Fd in(::open((dir / "input").c_str(), O_RDONLY));
    CHECK(ipc::shm::put_object(store, "big", in.get(), "input", 0600) == data.size());
    CHECK(ipc::shm::Object(store, "big").data() == data);
}

TEST_CASE("a missing segment is Unavailable", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    CHECK(exit_of([&] { ipc::shm::Object(store, "nope"); }) == ipc::Exit::Unavailable);
    CHECK(exit_of([&] { ipc::shm::remove(store, "nope"); }) == ipc::Exit::Unavailable);
    CHECK(exit_of([&] { ipc::shm::stat(store, "nope"); }) == ipc::Exit::Unavailable);
}

TEST_CASE("a truncated or foreign segment is an I/O error, never a crash", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "good", std::string(1000, 'g'), 0600);
    std::string whole;
    {
        std::ifstream in(store.path("good"), std::ios::binary);
        whole.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto const bytes = GENERATE(as<std::string> {}, "", "short",
        "not an ipc-shm header at all and long enough to be one........................",
        "truncated");
    auto content = bytes == "truncated" ? whole.substr(0, 500) : bytes;
    CAPTURE(content.size());
    write_file(store.path("bad"), content);
    CHECK(exit_of([&] { ipc::shm::Object(store, "bad"); }) == ipc::Exit::IoError);
    CHECK(exit_of([&] { ipc::shm::put_object(store, "bad", "x", 0600); }) == ipc::Exit::IoError);
    auto const info = ipc::shm::stat(store, "bad");
    CHECK_FALSE(info.kind);
    CHECK_FALSE(info.problem.empty());
}

TEST_CASE("a header with another version or kind is refused", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    auto header = ipc::shm::make_header(ipc::shm::Kind::Object, sizeof(ipc::shm::Header), 0);
    SECTION("version")
    {
        header.version = 99;
    }
    SECTION("kind")
    {
        header.kind = 42;
    }
    SECTION("sizes")
    {
        header.data_size = 1u << 30;
    }
    write_file(
        store.path("odd"), std::string(reinterpret_cast<char const*>(&header), sizeof(header)));
    CHECK(exit_of([&] { ipc::shm::Object(store, "odd"); }) == ipc::Exit::IoError);
}

TEST_CASE("list shows our segments sorted, without drafts or other users'", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "b", "2", 0600);
    ipc::shm::put_object(store, "a", "1", 0600);
    write_file(store.path("c") + "~1234abcd", "draft");
    write_file(dir / "ipc-1001-other", "theirs");
    write_file(store.path("d"), "junk");
    auto const infos = ipc::shm::list(store);
    REQUIRE(infos.size() == 3);
    CHECK(infos[0].name == "a");
    CHECK(infos[1].name == "b");
    CHECK(infos[2].name == "d");
    CHECK_FALSE(infos[2].kind);
}

TEST_CASE("a failed draft leaves nothing behind", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    {
        ipc::shm::Draft const draft(store, "x", 0600);
        CHECK(::access(draft.temp_path().c_str(), F_OK) == 0);
    }
    CHECK(ipc::shm::list(store).empty());
    CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("a new draft removes the drafts of dead processes, not of live ones", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    pid_t const child = ::fork(); // A pid that is surely dead once reaped.
    REQUIRE(child >= 0);
    if (child == 0)
        ::_exit(0);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    auto const stale = fmt::format("{}~{}.0badf00d", store.path("x"), child);
    auto const live = fmt::format("{}~{}.0badf00d", store.path("x"), ::getpid());
    auto const other = fmt::format("{}~{}.0badf00d", store.path("y"), child);
    write_file(stale, "left by a put killed with SIGKILL");
    write_file(live, "a put still running");
    write_file(other, "another name's");
    ipc::shm::put_object(store, "x", "new", 0600);
    CHECK(::access(stale.c_str(), F_OK) != 0);
    CHECK(::access(live.c_str(), F_OK) == 0);
    CHECK(::access(other.c_str(), F_OK) == 0);
}

TEST_CASE(
    "a segment with another name linked to its file is refused and listed as invalid", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "mine", "mine", 0600);
    REQUIRE(::link(store.path("mine").c_str(), (dir / "elsewhere").c_str()) == 0);
    std::string message;
    try {
        ipc::shm::Object const object(store, "mine");
    } catch (ipc::Error const& error) {
        message = fmt::format("{} ({})", error.what(), error.hint());
        CHECK(error.exit() == ipc::Exit::IoError);
    }
    CHECK(message
        == "mine: has 2 names (hard links), not 1: refusing to use it (remove it with "
           "'ipc-shm rm mine')");
    CHECK(exit_of([&] { ipc::shm::put_object(store, "mine", "x", 0600); }) == ipc::Exit::IoError);
    auto const info = ipc::shm::stat(store, "mine");
    CHECK_FALSE(info.kind);
    CHECK(info.problem == "has 2 names (hard links), not 1");
    ipc::shm::remove(store, "mine");
    CHECK(exit_of([&] { ipc::shm::Object(store, "mine"); }) == ipc::Exit::Unavailable);
}

TEST_CASE("a segment owned by another user is refused and listed as invalid", "[shm]")
{
    if (::geteuid() != 0) {
        WARN("not root: cannot give a file to another user");
        return;
    }
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    ipc::shm::put_object(store, "theirs", "planted", 0666);
    REQUIRE(::chown(store.path("theirs").c_str(), 65534, 65534) == 0);
    std::string message;
    try {
        ipc::shm::Object const object(store, "theirs");
    } catch (ipc::Error const& error) {
        message = error.what();
        CHECK(error.exit() == ipc::Exit::IoError);
    }
    CHECK(message.starts_with("theirs: is owned by "));
    CHECK(message.ends_with("(uid 65534), not by you: refusing to use it"));
    CHECK(exit_of([&] { ipc::shm::put_object(store, "theirs", "x", 0600); }) == ipc::Exit::IoError);
    auto const info = ipc::shm::stat(store, "theirs");
    CHECK_FALSE(info.kind);
    CHECK(info.owner == 65534);
    CHECK(info.problem.ends_with("(uid 65534), not by you"));
    REQUIRE(ipc::shm::list(store).size() == 1);
    CHECK_FALSE(ipc::shm::list(store)[0].kind);
}

TEST_CASE("a FIFO named like a segment is refused and listed as invalid without blocking", "[shm]")
{
    ipc::test::TempDir dir;
    auto const store = store_in(dir);
    REQUIRE(::mkfifo(store.path("fifo").c_str(), 0600) == 0);
    // Opening a FIFO for reading blocks until a writer comes: in a child, so
    // that a hang ends in SIGALRM and a failure instead of a stuck suite.
    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::alarm(10);
        int failures = 0;
        failures += exit_of([&] { ipc::shm::Object(store, "fifo"); }) != ipc::Exit::IoError;
        failures += exit_of([&] { ipc::shm::put_object(store, "fifo", "x", 0600); })
            != ipc::Exit::IoError;
        auto const info = ipc::shm::stat(store, "fifo");
        failures += info.kind.has_value() || info.problem != "not a regular file";
        auto const infos = ipc::shm::list(store);
        failures += infos.size() != 1 || infos[0].kind.has_value();
        ::_exit(failures);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK_FALSE(WIFSIGNALED(status));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
