#include "ipc/shm/object.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/names/name.hpp"
#include "ipc/shm/draft.hpp"

#include <fmt/format.h>

#include <sys/sendfile.h>
#include <vector>

namespace ipc::shm {

namespace {

// Large enough to amortise system calls on a 100 MiB copy.
constexpr std::size_t copy_chunk = 1024 * 1024;

void refuse_other_kind(Store const& store, std::string_view name)
{
    auto const kind = existing_kind(store, name); // Throws for a corrupt segment.
    if (kind && *kind != Kind::Object)
        throw Error(Exit::Usage,
            fmt::format("{}: is {}, not an object", printable(name), with_article(*kind)),
            fmt::format("use another name, or remove it with 'ipc-shm rm {}'", printable(name)));
}

void write_header(Draft const& draft, std::uint64_t size)
{
    auto const header = make_header(Kind::Object, sizeof(Header), size);
    auto const count
        = sys::check(::pwrite(draft.fd(), &header, sizeof(header), 0), "write", draft.temp_path());
    if (static_cast<std::size_t>(count) != sizeof(header))
        throw Error(Exit::IoError, fmt::format("write {}: short write", draft.temp_path()));
}

}

std::uint64_t put_object(
    Store const& store, std::string_view name, int in_fd, std::string_view source, mode_t mode)
{
    refuse_other_kind(store, name);
    Draft draft(store, name, mode);
    // The header goes in last, so a draft is never a valid object before it is whole.
    sys::check(::lseek(draft.fd(), sizeof(Header), SEEK_SET), "seek", draft.temp_path());
    std::vector<std::byte> buffer(copy_chunk);
    std::uint64_t total = 0;
    for (;;) {
        auto const count = ::read(in_fd, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        sys::check(count, "read", source);
        if (count == 0)
            break;
        if (!sys::write_all(draft.fd(),
                std::string_view(
                    reinterpret_cast<char const*>(buffer.data()), static_cast<std::size_t>(count))))
            sys::fail("write", draft.temp_path(), errno);
        total += static_cast<std::uint64_t>(count);
    }
    write_header(draft, total);
    draft.commit_replace();
    return total;
}

void put_object(Store const& store, std::string_view name, std::string_view data, mode_t mode)
{
    refuse_other_kind(store, name);
    Draft draft(store, name, mode);
    sys::check(::lseek(draft.fd(), sizeof(Header), SEEK_SET), "seek", draft.temp_path());
    if (!sys::write_all(draft.fd(), data))
        sys::fail("write", draft.temp_path(), errno);
    write_header(draft, data.size());
    draft.commit_replace();
}

Object::Object(Store const& store, std::string_view name)
    : m_segment(open(store, name, Kind::Object, Access::ReadOnly))
{
}

std::string_view Object::data() const
{
    return { reinterpret_cast<char const*>(m_segment.payload()),
        static_cast<std::size_t>(m_segment.map.header().data_size) };
}

bool Object::send_to(int fd) const
{
    auto offset = static_cast<off_t>(m_segment.map.header().header_size);
    auto left = static_cast<std::size_t>(m_segment.map.header().data_size);
    bool first = true;
    while (left > 0) {
        auto const count = ::sendfile(fd, m_segment.fd.get(), &offset, left);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && first && (errno == EINVAL || errno == ENOSYS))
            return false;
        if (count < 0 && errno == EPIPE)
            throw StdoutClosed();
        sys::check(count, "write", "stdout");
        if (count == 0) // Only another program truncating the file does that.
            throw Error(Exit::IoError, fmt::format("{}: shrank while being read", m_segment.path));
        left -= static_cast<std::size_t>(count);
        first = false;
    }
    return true;
}

}
