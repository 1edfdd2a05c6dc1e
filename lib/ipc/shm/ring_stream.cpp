#include "ipc/shm/ring_stream.hpp"

#include "ipc/core/bytes.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace ipc::shm {

namespace {

// Lines go into the ring in runs of up to this many bytes (or an eighth of
// the ring), so a reader can start on one while the next is written.
constexpr std::size_t run_limit = 256 * 1024;

// The first count messages of run (each ends with delimiter).
std::string_view first_messages(std::string_view run, char delimiter, std::uint64_t count)
{
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < count; ++i)
        at = run.find(delimiter, at) + 1;
    return run.substr(0, at);
}

// Waits for stdin or a signal, up to the next deadline of stop; false to stop.
bool wait_for_input(Stop& stop)
{
    pollfd fds[] = { { STDIN_FILENO, POLLIN, 0 }, { stop.signal_fd(), POLLIN, 0 } };
    for (;;) {
        int const ready = ::poll(fds, 2, stop.wait_ms());
        if (ready < 0 && errno == EINTR)
            continue;
        if (fds[1].revents != 0)
            stop.check_signal();
        if (stop.done())
            return false;
        if (ready > 0 && fds[0].revents != 0)
            return true;
    }
}

}

bool write_stream(RingWriter& ring, framing::Reader& in, char delimiter, Stop& stop)
{
    bool going = true;
    bool input_ended = false;
    in.set_on_idle([&] {
        ring.publish(); // Readers get what is there before we wait for more.
        return going = wait_for_input(stop);
    });
    auto const limit = std::min(run_limit, ring.capacity() / 8);
    while (going && !stop.done()) {
        auto const before = in.count();
        if (auto run = in.next_run(limit); !run.empty()) {
            auto count = in.count() - before;
            if (count > stop.remaining()) {
                count = stop.remaining();
                run = first_messages(run, delimiter, count);
            }
            going = ring.write_run(run, delimiter, count);
            stop.count(count);
            continue;
        }
        auto const message = in.next();
        if (!message) {
            input_ended = going; // Not when on_idle said to stop.
            break;
        }
        going = ring.write_message(message->data);
        stop.count_one();
    }
    ring.publish();
    return input_ended || stop.count_reached();
}

void read_stream(RingReader& ring, framing::Writer& out, std::string_view topic, Stop& stop)
{
    auto const run_delimiter = out.run_delimiter();
    auto const flush = [&out] { out.flush(); };
    while (!stop.done()) {
        auto const record = ring.next(flush);
        if (!record)
            break;
        auto const remaining = stop.remaining();
        if (record->type == RecordType::Message) {
            out.write({ record->payload, topic, 0 });
            stop.count_one();
            continue;
        }
        auto run = record->payload;
        auto count = record->count;
        if (count > remaining) {
            count = remaining;
            run = first_messages(run, record->delimiter, count);
        }
        if (run_delimiter == record->delimiter) {
            out.write_run(run); // The whole run in one piece.
        } else {
            for (std::size_t at = 0; at < run.size();) {
                auto const end = run.find(record->delimiter, at);
                out.write({ run.substr(at, end - at), topic, 0 });
                at = end + 1;
            }
        }
        stop.count(count);
    }
}

}
