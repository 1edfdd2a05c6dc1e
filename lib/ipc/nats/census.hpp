#pragma once

// --wait-subs on NATS: how a publisher counts the ipckit subscribers of a
// topic. Each ipc-sub, once its subscriptions are in place, answers census
// requests on _IPC.census (payload: a topic; empty means any) that one of
// its patterns matches, with its id and what it is (census_text.hpp), and
// announces itself once on _IPC.hello. A publisher sends a census now and
// then (100 ms, doubling to 1 s: interest travels between servers with some
// lag), and at once on a hello, and counts the distinct answers. Other NATS
// programs do not answer, so only ipckit subscribers count. ipc-sub --list
// asks once and takes what answers; ipc-serve --list asks the servers the
// same way, on _IPC.servers.

#include "ipc/core/fd.hpp"
#include "ipc/names/pattern.hpp"
#include "ipc/nats/census_text.hpp"
#include "ipc/nats/connection.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ipc::nats {

inline constexpr auto census_subject = "_IPC.census";
inline constexpr auto hello_subject = "_IPC.hello";
// The census of servers, for ipc-serve --list: each ipc-serve answers the
// requests on this subject whose payload is empty or its service name.
inline constexpr auto server_census_subject = "_IPC.servers";

// A fresh id for one subscriber or one census: 16 random hex digits.
std::string random_id();

// The subscriber's side; the message handler runs on cnats' thread, and
// the object must outlive the subscription it is given to.
struct CensusAnswer {
    natsConnection* connection = nullptr;
    std::vector<Pattern> patterns;
    std::string id = random_id();
    std::string answer; // encode_census_answer's; the id alone when empty.

    static void on_request(
        natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept;
};

// The server's side, as CensusAnswer; served is counted on our thread and
// read on cnats'.
struct ServerCensusAnswer {
    natsConnection* connection = nullptr;
    std::string name;
    std::string id = random_id();
    std::int64_t since_ns = 0;
    std::atomic<std::uint64_t> served { 0 };

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
    // The distinct answers so far.
    std::vector<std::string> answer_texts();
    // True once the server said that nobody subscribes to the census.
    bool no_responders();
    std::string const& inbox() const { return m_inbox; }

    static void on_message(
        natsConnection*, natsSubscription*, natsMsg* message, void* closure) noexcept;

private:
    Fd m_event_fd;
    std::string m_inbox = "_IPC.inbox." + random_id(); // Hidden from ipc-sub.
    std::mutex m_mutex;
    std::set<std::string> m_ids; // Guarded by m_mutex, as m_hello.
    bool m_hello = false;
    bool m_no_responders = false;
};

}
