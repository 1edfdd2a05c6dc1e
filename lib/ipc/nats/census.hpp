#pragma once

// --wait-subs on NATS: how a publisher counts the ipckit subscribers of a
// topic. Each ipc-sub, once its subscriptions are in place, answers census
// requests on _IPC.census (payload: a topic; empty means any) that one of
// its patterns matches, with its id, and announces itself once on
// _IPC.hello. A publisher sends a census now and then (100 ms, doubling to
// 1 s: interest travels between servers with some lag), and at once on a
// hello, and counts the distinct ids that answer. Other NATS programs do
// not answer, so only ipckit subscribers count.

#include "ipc/core/fd.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/nats/connection.hpp"

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ipc::nats {

inline constexpr auto census_subject = "_IPC.census";
inline constexpr auto hello_subject = "_IPC.hello";

// A fresh id for one subscriber or one census: 16 random hex digits.
std::string random_id();

// The subscriber's side; the message handler runs on cnats' thread, and
// the object must outlive the subscription it is given to.
struct CensusAnswer {
    natsConnection* connection = nullptr;
    std::vector<Pattern> patterns;
    std::string id = random_id();

    static void on_request(
        natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept;
};

// The publisher's side. count() waits, on our thread, until `count`
// subscribers of topic answered; the tally is shared with cnats' thread.
class CensusTally {
public:
    CensusTally();
    int event_fd() const { return m_event_fd.get(); }
    // Reads event_fd(); true when a hello came since the last call.
    bool take_hello();
    std::size_t answers();
    std::string const& inbox() const { return m_inbox; }

    static void on_message(
        natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept;

private:
    Fd m_event_fd;
    std::string m_inbox = "_IPC.inbox." + random_id(); // Hidden from ipc-sub.
    std::mutex m_mutex;
    std::set<std::string> m_ids; // Guarded by m_mutex, as m_hello.
    bool m_hello = false;
};

}
