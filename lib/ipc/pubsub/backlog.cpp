// A publisher's backlog for one subscriber (backlog.hpp).

#include "ipc/pubsub/backlog.hpp"

namespace ipc::pubsub {

void Backlog::end_batch()
{
    if (batch.open()) {
        auto const start = bytes.position() - batch.size(bytes.back());
        add_frame(start, batch.end(bytes.back()));
    }
}

void Backlog::add_frame(std::uint64_t start, std::size_t count)
{
    frames.push_back({ start, bytes.position(), count });
}

io::OutBuffer::Status Backlog::write_to(int fd, std::uint64_t& delivered)
{
    end_batch(); // An open frame has no length yet.
    auto const status = bytes.write_to(fd);
    if (status == io::OutBuffer::Status::Closed) {
        clear(); // It went away: at-most-once, nothing to report.
        return status;
    }
    while (!frames.empty() && frames.front().end <= bytes.written()) {
        delivered += frames.front().count;
        frames.pop_front();
    }
    return status;
}

std::uint64_t Backlog::drop_unsent()
{
    std::uint64_t dropped = 0;
    while (!frames.empty() && frames.back().start >= bytes.written()) {
        dropped += frames.back().count;
        bytes.truncate(frames.back().start);
        frames.pop_back();
    }
    return dropped;
}

std::uint64_t Backlog::clear()
{
    std::uint64_t count = 0;
    for (auto const& frame : frames)
        count += frame.count;
    bytes.clear();
    frames.clear();
    return count;
}

}
