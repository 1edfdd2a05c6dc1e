// Drafts of new segments (draft.hpp): created with O_EXCL under a random
// temporary name, moved into place with rename(2), or renameat2(2) with
// RENAME_NOREPLACE when an existing segment must win.

#include "ipc/shm/draft.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/shm/process.hpp"

#include <fmt/format.h>

#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace ipc::shm {

namespace {

// Removes the drafts of NAME (NAME~PID.RANDOM) left by processes that died,
// such as a put killed with SIGKILL; those of live processes stay.
void remove_stale_drafts(Store const& store, std::string_view name)
{
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(store.dir.c_str()), ::closedir);
    if (!dir)
        return; // Creating the draft will say what is wrong.
    auto const prefix = store.file_name(name) + "~";
    while (auto const* entry = ::readdir(dir.get())) {
        std::string_view file = entry->d_name;
        if (!file.starts_with(prefix))
            continue;
        auto const rest = file.substr(prefix.size());
        std::int32_t pid = 0;
        auto const [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
        if (error == std::errc {} && end != rest.data() && *end == '.' && !alive({ pid, 0 }))
            ::unlinkat(::dirfd(dir.get()), entry->d_name, 0);
    }
}

}

Draft::Draft(Store const& store, std::string_view name, mode_t mode)
    : m_final(store.path(name))
{
    remove_stale_drafts(store, name);
    std::random_device random;
    for (int attempt = 0; !m_fd; ++attempt) {
        m_temp = fmt::format("{}~{}.{:08x}", m_final, ::getpid(), random());
        m_fd.reset(
            ::open(m_temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!m_fd && (errno != EEXIST || attempt == 8))
            sys::fail("create", m_temp, errno);
    }
    // The umask must not narrow what --mode asked for.
    sys::check(::fchmod(m_fd.get(), mode), "chmod", m_temp);
}

Draft::~Draft()
{
    if (!m_committed)
        ::unlink(m_temp.c_str());
}

void Draft::commit_replace()
{
    sys::check(::rename(m_temp.c_str(), m_final.c_str()), "rename", m_final);
    m_committed = true;
}

bool Draft::commit_create()
{
    // Not link(2) and unlink(2): between the two the file has two names, and
    // an opener would refuse it for that.
    if (::renameat2(AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_final.c_str(), RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST)
            return false;
        sys::fail("rename", m_final, errno);
    }
    m_committed = true;
    return true;
}

}
