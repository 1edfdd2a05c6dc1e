#include "ipc/names/dirs.hpp"

#include "ipc/core/error.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// Sets (or, given nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(char const* name, std::optional<std::string> const& value)
        : m_name(name)
    {
        if (char const* old = std::getenv(name))
            m_old = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (m_old)
            ::setenv(m_name, m_old->c_str(), 1);
        else
            ::unsetenv(m_name);
    }
    ScopedEnv(ScopedEnv const&) = delete;
    ScopedEnv& operator=(ScopedEnv const&) = delete;

private:
    char const* m_name;
    std::optional<std::string> m_old;
};

// The permission bits of path, or -1 when it does not exist.
int mode_of(std::string const& path)
{
    struct stat status;
    if (::lstat(path.c_str(), &status) != 0)
        return -1;
    return static_cast<int>(status.st_mode & 07777);
}

bool is_empty_directory(std::string const& path)
{
    return fs::is_empty(path);
}

// Expects f() to throw Error(Usage) with message what and hint hint.
template<typename F>
void require_refused(F const& f, std::string const& what, std::string const& hint)
{
    try {
        f();
        FAIL("the directory was accepted");
    } catch (ipc::Error const& error) {
        CHECK(error.exit() == ipc::Exit::Usage);
        CHECK(error.what() == what);
        CHECK(error.hint() == hint);
    }
}

}

TEST_CASE("the runtime dir is IPC_DIR, created 0700 with its missing parents", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv env("IPC_DIR", temp / "a/b/run");
    CHECK(ipc::runtime_dir() == temp / "a/b/run");
    CHECK(mode_of(temp / "a/b/run") == 0700);
    CHECK(fs::is_directory(temp / "a/b"));
    CHECK(ipc::runtime_dir() == temp / "a/b/run"); // An existing private dir is fine.
}

TEST_CASE("directories and their missing parents are created 0700 whatever the umask", "[names]")
{
    ipc::test::TempDir temp;
    auto const mask = GENERATE(0000, 0022, 0277);
    CAPTURE(mask);
    auto const old_mask = ::umask(static_cast<mode_t>(mask));
    ScopedEnv state("IPC_STATE_DIR", temp / "s1/s2/state");
    ScopedEnv runtime("IPC_DIR", temp / "r1/r2/run");
    auto const state_dir = ipc::state_dir();
    auto const sub = ipc::runtime_subdir("svc/calc");
    ::umask(old_mask);
    for (auto const* made : { "s1", "s1/s2", "s1/s2/state", "r1", "r1/r2", "r1/r2/run",
             "r1/r2/run/svc", "r1/r2/run/svc/calc" }) {
        CAPTURE(made);
        CHECK(mode_of(temp / made) == 0700);
    }
    CHECK(state_dir == temp / "s1/s2/state");
    CHECK(sub == temp / "r1/r2/run/svc/calc");
}

TEST_CASE("the runtime dir defaults to /tmp/ipc-<uid>", "[names]")
{
    ScopedEnv env("IPC_DIR", std::nullopt);
    auto const expected = "/tmp/ipc-" + std::to_string(::geteuid());
    CHECK(ipc::runtime_dir(ipc::Create::No) == expected);
    ScopedEnv empty("IPC_DIR", "");
    CHECK(ipc::runtime_dir(ipc::Create::No) == expected);
}

TEST_CASE("runtime_scope tags each runtime directory, and none by default", "[names]")
{
    ScopedEnv env("IPC_DIR", std::nullopt);
    CHECK(ipc::runtime_scope().empty());
    {
        ScopedEnv empty("IPC_DIR", "");
        CHECK(ipc::runtime_scope().empty());
    }
    std::string tag;
    {
        ScopedEnv a("IPC_DIR", "/tmp/project-a/run");
        tag = ipc::runtime_scope();
        CHECK(tag.size() == 12);
        CHECK(tag.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    // The same directory, spelt another way, has the same tag; another has its own.
    for (char const* same :
        { "/tmp/project-a/run/", "/tmp/project-a/./run", "/tmp//project-a/x/../run" }) {
        ScopedEnv a("IPC_DIR", same);
        CHECK(ipc::runtime_scope() == tag);
    }
    ScopedEnv b("IPC_DIR", "/tmp/project-b/run");
    CHECK(ipc::runtime_scope() != tag);
    auto const cwd = std::filesystem::current_path();
    std::filesystem::current_path("/tmp");
    ScopedEnv relative("IPC_DIR", "project-a/run");
    auto const relative_tag = ipc::runtime_scope();
    std::filesystem::current_path(cwd);
    CHECK(relative_tag == tag);
}

TEST_CASE("a missing runtime dir is returned but not created with Create::No", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv env("IPC_DIR", temp / "run");
    CHECK(ipc::runtime_dir(ipc::Create::No) == temp / "run");
    CHECK(ipc::runtime_subdir("sub", ipc::Create::No) == temp / "run/sub");
    CHECK(is_empty_directory(temp.path()));
}

TEST_CASE("trailing slashes are dropped from IPC_DIR", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv env("IPC_DIR", temp / "run//");
    CHECK(ipc::runtime_dir() == temp / "run");
}

TEST_CASE("a runtime dir that is a symbolic link is refused and nothing is created", "[names]")
{
    ipc::test::TempDir temp;
    REQUIRE(::mkdir((temp / "target").c_str(), 0700) == 0);
    fs::create_directory_symlink(temp / "target", temp / "run");
    auto const shown = GENERATE(as<std::string> {}, "run", "run/");
    ScopedEnv env("IPC_DIR", temp / shown);
    auto const hint = "remove it, or set IPC_DIR to a private directory";
    require_refused([] { ipc::runtime_dir(); }, temp / "run: is a symbolic link", hint);
    require_refused([] { ipc::runtime_subdir("sub"); }, temp / "run: is a symbolic link", hint);
    CHECK(is_empty_directory(temp / "target"));
}

TEST_CASE("a runtime dir open to group or others is refused and nothing is created", "[names]")
{
    ipc::test::TempDir temp;
    auto const mode = GENERATE(0755, 0750, 0705, 0701, 0710, 0702, 0720, 0777);
    CAPTURE(mode);
    REQUIRE(::mkdir((temp / "run").c_str(), 0700) == 0);
    REQUIRE(::chmod((temp / "run").c_str(), static_cast<mode_t>(mode)) == 0);
    ScopedEnv env("IPC_DIR", temp / "run");
    auto const what
        = fmt::format("{}: is accessible by group or others (mode {:04o})", temp / "run", mode);
    auto const hint = "run 'chmod 700' on it, or set IPC_DIR to a private directory";
    require_refused([] { ipc::runtime_dir(); }, what, hint);
    require_refused([] { ipc::runtime_subdir("svc/calc"); }, what, hint);
    CHECK(is_empty_directory(temp / "run"));
    CHECK(mode_of(temp / "run") == mode);
    REQUIRE(::rmdir((temp / "run").c_str()) == 0);
}

TEST_CASE("a runtime dir that is a regular file is refused and left alone", "[names]")
{
    ipc::test::TempDir temp;
    int const fd = ::open((temp / "run").c_str(), O_CREAT | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    ::close(fd);
    ScopedEnv env("IPC_DIR", temp / "run");
    require_refused([] { ipc::runtime_dir(); }, temp / "run: is not a directory",
        "remove it, or set IPC_DIR to a private directory");
    CHECK(fs::is_regular_file(temp / "run"));
    CHECK(fs::file_size(temp / "run") == 0);
}

TEST_CASE("a runtime dir below a regular file cannot be created", "[names]")
{
    ipc::test::TempDir temp;
    int const fd = ::open((temp / "file").c_str(), O_CREAT | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    ::close(fd);
    ScopedEnv env("IPC_DIR", temp / "file/run");
    require_refused([] { ipc::runtime_dir(); },
        temp / "file/run: is below a file that is not a directory",
        "set IPC_DIR to a private directory");
}

TEST_CASE("a runtime dir owned by another user is refused", "[names]")
{
    ipc::test::TempDir temp;
    std::string path = "/"; // Owned by root, so someone else's unless we are root.
    if (::geteuid() == 0) {
        path = temp / "run";
        REQUIRE(::mkdir(path.c_str(), 0700) == 0);
        REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    }
    ScopedEnv env("IPC_DIR", path);
    struct stat status;
    REQUIRE(::lstat(path.c_str(), &status) == 0);
    require_refused([] { ipc::runtime_dir(); },
        fmt::format("{}: is owned by uid {}, not by you", path, status.st_uid),
        "set IPC_DIR to a private directory");
}

TEST_CASE("a relative IPC_DIR is refused", "[names]")
{
    ScopedEnv env("IPC_DIR", "relative/run");
    require_refused([] { ipc::runtime_dir(); }, "relative/run: is not an absolute path",
        "set IPC_DIR to an absolute path");
}

TEST_CASE("runtime subdirectories are created 0700, nested ones too", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv env("IPC_DIR", temp / "run");
    CHECK(ipc::runtime_subdir("sub") == temp / "run/sub");
    CHECK(ipc::runtime_subdir("svc/calc") == temp / "run/svc/calc");
    CHECK(ipc::runtime_subdir("svc/calc") == temp / "run/svc/calc");
    for (auto const* path : { "run", "run/sub", "run/svc", "run/svc/calc" }) {
        CAPTURE(path);
        CHECK(mode_of(temp / path) == 0700);
    }
}

TEST_CASE("a runtime subdirectory that is a symbolic link is refused", "[names]")
{
    ipc::test::TempDir temp;
    REQUIRE(::mkdir((temp / "run").c_str(), 0700) == 0);
    REQUIRE(::mkdir((temp / "target").c_str(), 0700) == 0);
    fs::create_directory_symlink(temp / "target", temp / "run/svc");
    ScopedEnv env("IPC_DIR", temp / "run");
    CHECK_THROWS_AS(ipc::runtime_subdir("svc/calc"), ipc::Error);
    CHECK(is_empty_directory(temp / "target"));
}

TEST_CASE("runtime subdirectory names that could leave the runtime dir are refused", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv env("IPC_DIR", temp / "run");
    auto const name = GENERATE(
        as<std::string> {}, "", "/", "/etc", "..", "../x", "a/../..", "a//b", "a/", ".", "./a");
    CAPTURE(name);
    CHECK_THROWS_AS(ipc::runtime_subdir(name), ipc::Error);
    CHECK(is_empty_directory(temp.path()));
}

TEST_CASE("the state dir is IPC_STATE_DIR, else XDG_STATE_HOME/ipc, else HOME", "[names]")
{
    ipc::test::TempDir temp;
    ScopedEnv home("HOME", temp / "home");
    ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
    ScopedEnv state("IPC_STATE_DIR", std::nullopt);

    CHECK(ipc::state_dir() == temp / "home/.local/state/ipc");
    CHECK(mode_of(temp / "home/.local/state/ipc") == 0700);

    ScopedEnv relative_xdg("XDG_STATE_HOME", "relative/state"); // Ignored, as XDG says.
    CHECK(ipc::state_dir() == temp / "home/.local/state/ipc");

    ScopedEnv set_xdg("XDG_STATE_HOME", temp / "xdg");
    CHECK(ipc::state_dir() == temp / "xdg/ipc");
    CHECK(mode_of(temp / "xdg/ipc") == 0700);

    ScopedEnv set_state("IPC_STATE_DIR", temp / "state");
    CHECK(ipc::state_dir() == temp / "state");
    CHECK(mode_of(temp / "state") == 0700);
}

TEST_CASE("without HOME the state dir is under the password database's home", "[names]")
{
    ScopedEnv home("HOME", std::nullopt);
    ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
    ScopedEnv state("IPC_STATE_DIR", std::nullopt);
    auto const path = ipc::state_dir(ipc::Create::No);
    CHECK(path.front() == '/');
    CHECK(path.ends_with("/.local/state/ipc"));
}

TEST_CASE("a state dir that is a symbolic link is refused and nothing is created", "[names]")
{
    ipc::test::TempDir temp;
    REQUIRE(::mkdir((temp / "target").c_str(), 0700) == 0);
    fs::create_directory_symlink(temp / "target", temp / "state");
    ScopedEnv state("IPC_STATE_DIR", temp / "state");
    require_refused([] { ipc::state_dir(); }, temp / "state: is a symbolic link",
        "remove it, or set IPC_STATE_DIR to a private directory");
    CHECK(is_empty_directory(temp / "target"));
}
