#pragma once

// Objects: a named blob of bytes. put builds a new segment and renames it over
// the name, so a concurrent get sees the old or the new object whole.

#include "ipc/shm/segment.hpp"

#include <string_view>

namespace ipc::shm {

// Copies everything from in_fd (named source in errors) to its end into a new object, then replaces
// NAME with it. Refuses (Error(Usage)) when NAME is a board or a ring, and
// (Error(IoError)) when it exists but is not a valid segment. Returns the size.
std::uint64_t put_object(
    Store const& store, std::string_view name, int in_fd, std::string_view source, mode_t mode);

// The same, from bytes in memory.
void put_object(Store const& store, std::string_view name, std::string_view data, mode_t mode);

// An open object; its bytes stay valid and unchanged while it lives, also
// when a put replaces NAME meanwhile.
class Object {
public:
    Object(Store const& store, std::string_view name); // Throws like shm::open().

    std::string_view data() const;
    // Writes the object's bytes to fd with sendfile(2): one copy in the
    // kernel, no page faults on the mapping. False, having written nothing,
    // when fd does not take sendfile (a terminal, an O_APPEND file): write
    // data() instead. Throws StdoutClosed on EPIPE, SystemError otherwise.
    bool send_to(int fd) const;

private:
    Segment m_segment;
};

}
