// A publisher's per-subscriber send buffer (send_buffer.hpp).

#include "ipc/pubsub/send_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>

namespace ipc::pubsub {

void SendBuffer::end_batch()
{
    if (batch.open()) {
        auto const start = out.size() - batch.size(out);
        auto const count = batch.end(out);
        frames.push_back({ start, out.size(), count });
    }
}

SendBuffer::Status SendBuffer::write_to(int fd, std::uint64_t& delivered)
{
    while (pending() > 0) {
        auto const count
            = ::send(fd, out.data() + written, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && errno == EAGAIN)
            break;
        if (count < 0) {
            clear(); // It went away: at-most-once, nothing to report.
            return Status::Closed;
        }
        written += static_cast<std::size_t>(count);
    }
    while (!frames.empty() && frames.front().end <= written) {
        delivered += frames.front().count;
        frames.pop_front();
    }
    if (pending() == 0) {
        out.clear();
        written = 0;
        return Status::Done;
    }
    if (written >= high_water && !batch.open()) {
        // Keep the buffer from growing without end under steady back-pressure,
        // but keep a frame partly written whole, so that --drop sees it begun.
        auto const cut = frames.empty() ? written : std::min(written, frames.front().start);
        out.erase(0, cut);
        for (auto& frame : frames) {
            frame.start -= cut;
            frame.end -= cut;
        }
        written -= cut;
    }
    return Status::Blocked;
}

std::uint64_t SendBuffer::drop_unsent()
{
    std::uint64_t dropped = 0;
    while (!frames.empty() && frames.back().start >= written) {
        dropped += frames.back().count;
        out.resize(frames.back().start);
        frames.pop_back();
    }
    return dropped;
}

std::uint64_t SendBuffer::clear()
{
    std::uint64_t count = 0;
    for (auto const& frame : frames)
        count += frame.count;
    out.clear();
    written = 0;
    frames.clear();
    return count;
}

}
