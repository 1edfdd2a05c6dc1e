#pragma once

// The brokerless publisher: finds matching subscribers in $IPC_DIR/sub,
// connects to each, and streams batched frames to them. A long-running
// publisher watches the directory (inotify) for subscribers that come later
// (discovery.hpp); each subscriber's frames wait in a Backlog. Here: the
// policy (who gets what, --drop, --timeout, retained messages) and the waits.

#include "ipc/io/loop.hpp"
#include "ipc/pubsub/discovery.hpp"
#include "ipc/pubsub/publisher.hpp"

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

namespace ipc::pubsub {

class LocalPublisher final : public Publisher {
public:
    LocalPublisher(PublishOptions const& options, Stop& stop);
    ~LocalPublisher() override;

    bool publish(MessageView const& message) override;
    bool publish_run(std::string_view topic, char delimiter, std::string_view run) override;
    bool flush() override;
    bool finish() override;
    bool wait_readable(int fd) override;
    bool wait_for_subscribers(std::string const& topic, std::uint64_t count) override;
    std::vector<Delivery> drops() const override;

    // For a publisher inside another loop (a server's tap), which must never
    // wait: starts watching for subscribers and returns the fd to wait on;
    // call refresh_subscribers() when it is readable (true when some came).
    int watch_subscribers();
    bool refresh_subscribers();
    // True when a live subscriber matches topic (as far as the watch tells).
    bool has_subscribers(std::string_view topic);

private:
    struct Connection;
    struct Tally { // Kept by subscriber id: it outlives the subscriber's connection.
        pid_t pid = 0;
        std::uint64_t delivered = 0, dropped = 0;
    };
    struct Group {
        std::string name;
        std::vector<Connection*> members;
    };
    struct Targets {
        std::vector<Connection*> each;
        std::vector<Group> groups;
    };

    void select(std::string_view topic);
    Targets const& targets_for(std::string_view topic);
    Connection* connect(Registration const& registration);
    Connection* pick(Group const& group);
    void append(Connection& connection, MessageView const& message);
    // How far send() goes: until there is room for more (the hot path);
    // until all is written, or under --drop dropped (while streaming); or
    // the same but, under --drop, until m_grace_end, then giving up on what
    // is left (at the end).
    enum class Until { Room, Empty, Final };
    bool send(Connection& connection, Until until);
    bool flush_all(Until until);
    void write_some(Connection& connection);
    void hang_up(Connection& connection);
    void invalidate_targets();
    void watch();
    void handle_watch();
    void settle();
    void store_retained_now();
    io::Loop& loop();

    PublishOptions m_options;
    Stop& m_stop;
    Discovery m_discovery;
    std::optional<io::Loop> m_loop; // Made on the first wait: one-shot publishers need none.
    std::map<std::string, std::unique_ptr<Connection>> m_connections;
    std::map<std::string, Tally> m_tallies; // Only under --drop do frames know their counts.
    std::unordered_map<std::string, Targets> m_targets; // Cleared when subscribers change.
    std::string m_topic; // The topic of m_current, the last one published.
    Targets const* m_current = nullptr;
    std::uint64_t m_topic_serial = 0; // Changes whenever m_current does.
    std::map<std::string, std::size_t> m_group_turn;
    std::map<std::string, std::string> m_retained; // Topic -> data, written at flush.
    bool m_subscribers_changed = false; // Heard in a wait; settle() applies it.
    Deadline m_grace_end; // Set by finish().
};

}
