// The default bodies of the pub/sub interfaces, for backends that have no
// runs of lines of their own.

#include "ipc/pubsub/publisher.hpp"
#include "ipc/pubsub/subscriber.hpp"

#include <catch2/catch.hpp>
#include <deque>

namespace {

// Implements only what every backend must; records what it was asked.
class PlainPublisher final : public ipc::pubsub::Publisher {
public:
    bool publish(ipc::MessageView const& message) override
    {
        published.push_back(std::string(message.topic) + ":" + std::string(message.data));
        return published.size() < refuse_after;
    }
    bool flush() override { return true; }
    bool finish() override { return true; }
    bool wait_readable(int) override { return true; }
    bool wait_for_subscribers(std::string const&, std::uint64_t) override { return true; }
    std::vector<Delivery> drops() const override { return {}; }

    std::vector<std::string> published;
    std::size_t refuse_after = SIZE_MAX;
};

class PlainSubscriber final : public ipc::pubsub::Subscriber {
public:
    std::optional<ipc::MessageView> receive(ipc::Stop&, std::function<void()> const&) override
    {
        if (messages.empty())
            return std::nullopt;
        m_held = messages.front();
        messages.pop_front();
        return ipc::MessageView { m_held, "t" };
    }

    std::deque<std::string> messages;

private:
    std::string m_held;
};

}

TEST_CASE("a backend without runs publishes a run message by message", "[pubsub]")
{
    PlainPublisher publisher;
    CHECK(publisher.publish_run("a.b", ',', "one,,three,"));
    CHECK(publisher.published == std::vector<std::string> { "a.b:one", "a.b:", "a.b:three" });
}

TEST_CASE("a run stops at the first message the backend refuses", "[pubsub]")
{
    PlainPublisher publisher;
    publisher.refuse_after = 2;
    CHECK_FALSE(publisher.publish_run("t", '\n', "1\n2\n3\n"));
    CHECK(publisher.published == std::vector<std::string> { "t:1", "t:2" });
}

TEST_CASE("a backend without runs receives one message at a time", "[pubsub]")
{
    PlainSubscriber subscriber;
    subscriber.messages = { "x\ny", "z" };
    ipc::Stop stop({});
    std::function<void()> const idle = [] {};
    ipc::pubsub::Subscriber::Run run { 7, true };
    auto const first = subscriber.receive_run(stop, idle, '\n', 100, run);
    REQUIRE(first);
    CHECK(first->data == "x\ny");
    CHECK(run.count == 1);
    CHECK_FALSE(run.run);
    CHECK(subscriber.receive_run(stop, idle, '\n', 100, run)->data == "z");
    CHECK_FALSE(subscriber.receive_run(stop, idle, '\n', 100, run));
}
