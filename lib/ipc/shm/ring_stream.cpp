#include "ipc/shm/ring_stream.hpp"

#include "ipc/core/bytes.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/shm/ring_intake.hpp"

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

// Messages from a framing::Reader into the ring, for the framings that
// write_direct() does not take: --whole, --len and --json.
bool write_framed(RingWriter& ring, int fd, framing::Reader& in, Stop& stop)
{
    bool going = true;
    bool input_ended = false;
    in.set_on_idle([&] {
        ring.publish(); // Readers get what is there before we wait for more.
        return going = wait_for_input(fd, stop);
    });
    while (going && !stop.done()) {
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

}

bool write_stream(RingWriter& ring, int fd, framing::Options const& options, Stop& stop)
{
    if (options.json || options.mode == framing::Mode::Whole
        || options.mode == framing::Mode::Length) {
        framing::Reader in(fd, options);
        return write_framed(ring, fd, in, stop);
    }
    auto const delimiter = options.mode == framing::Mode::Nul ? '\0'
        : options.mode == framing::Mode::Line                 ? '\n'
                                                              : options.delimiter;
    auto const chunk = std::min(run_limit, ring.capacity() / 8);
    bool const complete = write_direct(ring, fd, delimiter, options.max_size, chunk, stop);
    ring.publish();
    return complete;
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
        if (count == 0 && remaining != UINT64_MAX) // Not counted by the writer; --count needs it.
            count = count_byte(run, record->delimiter);
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
