// Delimited stdin read straight into a ring (ring_intake.hpp).

#include "ipc/shm/ring_intake.hpp"

#include "ipc/core/bytes.hpp"
#include "ipc/framing/reader.hpp"
#include "ipc/io/loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace ipc::shm {

namespace {

// Refuses the first message of run longer than max_size; before: the
// messages that came earlier. A run no longer than max_size needs no look.
void check_run(std::string_view run, char delimiter, std::size_t max_size, std::uint64_t before)
{
    if (run.size() <= max_size)
        return;
    for (std::size_t at = 0; at < run.size(); ++before) {
        auto const end = run.find(delimiter, at);
        if (end - at > max_size)
            framing::refuse_too_long(before + 1, max_size);
        at = end + 1;
    }
}

}

std::string_view first_messages(std::string_view run, char delimiter, std::uint64_t count)
{
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < count; ++i)
        at = run.find(delimiter, at) + 1;
    return run.substr(0, at);
}

bool wait_for_input(int fd, Stop& stop)
{
    io::Loop loop(stop);
    bool readable = false;
    loop.add(fd, EPOLLIN, [&readable](std::uint32_t) { readable = true; });
    for (;;) {
        loop.run_once(stop.deadline());
        if (stop.done())
            return false;
        if (readable)
            return true;
    }
}

bool write_direct(
    RingWriter& ring, int fd, char delimiter, std::size_t max_size, std::size_t chunk, Stop& stop)
{
    struct stat status { };
    bool const may_block = ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode);
    std::uint64_t messages = 0; // Appended so far (when counted), to number the one refused.
    std::size_t pending = 0; // Bytes of a message not ended yet, at the start of the payload.
    std::size_t carry = 0; // Of those, the ones still after the last record.
    // Counting costs a pass over the bytes: only when someone needs it. (A
    // message over a --max-size below the ring's largest is refused with its
    // number; over the ring's largest, without.)
    bool const counting
        = ring.needs_counts() || stop.remaining() != UINT64_MAX || max_size < ring.max_message();
    while (!stop.done()) {
        auto const room = std::min(chunk, ring.max_message() - pending);
        auto* payload = reinterpret_cast<char*>(ring.reserve(pending + room, carry));
        if (payload == nullptr)
            return false;
        carry = 0;
        if (may_block && !framing::input_ready(fd)) {
            ring.publish(); // Readers get what is there before we wait for more.
            if (!wait_for_input(fd, stop))
                return false;
        }
        if (room == 0) {
            // The most a record holds, and no delimiter yet: only a message of
            // exactly that size fits, as a Message record without it.
            char next = 0;
            auto const got = framing::read_input(fd, &next, 1);
            if (got == 1 && next != delimiter)
                ring.refuse(pending, true);
            ring.commit(RecordType::Message, pending, '\0', 1);
            stop.count_one();
            ++messages;
            pending = 0;
            if (got == 0)
                return true;
            continue;
        }
        char* const fresh = payload + pending;
        auto const got = framing::read_input(fd, fresh, room);
        auto const* last
            = static_cast<char const*>(got == 0 ? nullptr : ::memrchr(fresh, delimiter, got));
        if (last == nullptr) {
            pending += got;
            if (pending > max_size)
                framing::refuse_too_long(messages + 1, max_size);
            if (got != 0)
                continue;
            if (pending != 0) { // The last message had no delimiter; it is one all the same.
                ring.commit(RecordType::Message, pending, '\0', 1);
                stop.count_one();
            }
            return true;
        }
        std::string_view run(payload, static_cast<std::size_t>(last + 1 - payload));
        check_run(run, delimiter, max_size, messages);
        std::uint64_t count = counting
            ? count_byte({ fresh, static_cast<std::size_t>(last + 1 - fresh) }, delimiter)
            : 0;
        bool const enough = counting && count >= stop.remaining();
        if (enough) {
            count = stop.remaining();
            run = first_messages(run, delimiter, count);
        }
        ring.commit(RecordType::Lines, run.size(), delimiter, count);
        stop.count(count);
        messages += count;
        if (enough)
            return true;
        pending = carry = static_cast<std::size_t>(fresh + got - (last + 1));
        if (pending > max_size)
            framing::refuse_too_long(messages + 1, max_size);
    }
    return stop.count_reached();
}

}
