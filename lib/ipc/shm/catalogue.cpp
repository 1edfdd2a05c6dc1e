// Listing, describing and removing segments (catalogue.hpp). A segment that
// vanishes between readdir(3) and its probe is simply no longer listed.

#include "ipc/shm/catalogue.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/probe.hpp"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace ipc::shm {

Info stat(Store const& store, std::string_view name)
{
    auto found = probe(store, name, O_RDONLY);
    if (!found)
        throw not_found(name);
    Info info;
    info.name = std::string(name);
    info.owner = found->st.st_uid;
    info.mode = found->st.st_mode & 07777;
    info.mtime_ns
        = std::int64_t { found->st.st_mtim.tv_sec } * 1'000'000'000 + found->st.st_mtim.tv_nsec;
    info.size = static_cast<std::uint64_t>(found->st.st_size);
    if (found->problem) {
        info.problem = *found->problem;
    } else {
        info.kind = static_cast<Kind>(found->header.kind);
        info.size = found->header.data_size;
    }
    return info;
}

std::vector<Info> list(Store const& store)
{
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(store.dir.c_str()), ::closedir);
    if (!dir)
        sys::fail("opendir", store.dir, errno);
    auto const prefix = store.file_name("");
    std::vector<std::string> names;
    while (auto const* entry = ::readdir(dir.get())) {
        std::string_view file = entry->d_name;
        if (file.starts_with(prefix) && is_valid_name(file.substr(prefix.size())))
            names.emplace_back(file.substr(prefix.size()));
    }
    std::sort(names.begin(), names.end());
    std::vector<Info> result;
    for (auto const& name : names) {
        try {
            result.push_back(stat(store, name));
        } catch (Error const& error) {
            // Removed between readdir and open: it is simply no longer there.
            if (error.exit() != Exit::Unavailable)
                throw;
        }
    }
    return result;
}

void remove(Store const& store, std::string_view name)
{
    auto const path = store.path(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            throw not_found(name);
        sys::fail("unlink", path, errno);
    }
}

}
