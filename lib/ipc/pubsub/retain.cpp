#include "ipc/pubsub/retain.hpp"

#include "ipc/core/fd.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace ipc::pubsub {

void store_retained(MessageView const& message)
{
    auto const dir = runtime_subdir("retain");
    auto const path = fmt::format("{}/{}", dir, message.topic);
    if (message.data.empty()) { // MQTT's rule: an empty message deletes.
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            sys::fail("remove", path, errno);
        return;
    }
    auto const temporary = fmt::format("{}/.{}.{}", dir, message.topic, ::getpid());
    {
        Fd fd { sys::check(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600),
            "create", temporary) };
        if (!sys::write_all(fd.get(), message.data)) {
            int const saved = errno;
            ::unlink(temporary.c_str());
            sys::fail("write", temporary, saved);
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int const saved = errno;
        ::unlink(temporary.c_str());
        sys::fail("rename", path, saved);
    }
}

namespace {

// Calls found(dir_fd, topic) for each file of a retained topic (temporary
// files have no valid name).
template<typename Found> void each_retained(Found const& found)
{
    auto const path = runtime_dir(Create::No) + "/retain";
    Fd dir_fd { ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) };
    if (!dir_fd)
        return; // Nothing was ever retained.
    DIR* dir = ::fdopendir(dir_fd.release());
    if (!dir)
        return;
    while (auto const* entry = ::readdir(dir)) {
        std::string const topic = entry->d_name;
        if (is_valid_name(topic)) // Not ".", "..", nor a temporary file.
            found(::dirfd(dir), topic);
    }
    ::closedir(dir);
}

std::int64_t modified_ns(struct stat const& info)
{
    return info.st_mtim.tv_sec * 1'000'000'000LL + info.st_mtim.tv_nsec;
}

std::optional<Message> load_one(int dir_fd, std::string const& topic)
{
    Fd fd { ::openat(dir_fd, topic.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) };
    struct stat info { };
    if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
        return std::nullopt;
    Message message { std::string(static_cast<std::size_t>(info.st_size), '\0'), topic,
        modified_ns(info) };
    std::size_t filled = 0;
    while (filled < message.data.size()) {
        auto const count
            = ::read(fd.get(), message.data.data() + filled, message.data.size() - filled);
        if (count <= 0)
            break;
        filled += static_cast<std::size_t>(count);
    }
    message.data.resize(filled);
    return message;
}

}

std::vector<Message> load_retained(std::vector<Pattern> const& patterns)
{
    std::vector<Message> messages;
    each_retained([&](int dir_fd, std::string const& topic) {
        bool const wanted = std::any_of(patterns.begin(), patterns.end(),
            [&topic](Pattern const& pattern) { return pattern.matches(topic); });
        if (wanted)
            if (auto message = load_one(dir_fd, topic))
                messages.push_back(std::move(*message));
    });
    std::sort(messages.begin(), messages.end(),
        [](Message const& a, Message const& b) { return a.time_ns < b.time_ns; });
    return messages;
}

std::vector<RetainedInfo> list_local_retained(std::optional<Pattern> const& pattern)
{
    std::vector<RetainedInfo> found;
    each_retained([&](int dir_fd, std::string const& topic) {
        struct stat info { };
        if ((!pattern || pattern->matches(topic))
            && ::fstatat(dir_fd, topic.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0
            && S_ISREG(info.st_mode))
            found.push_back({ topic, static_cast<std::uint64_t>(info.st_size), modified_ns(info) });
    });
    std::sort(found.begin(), found.end(),
        [](RetainedInfo const& a, RetainedInfo const& b) { return a.topic < b.topic; });
    return found;
}

}
