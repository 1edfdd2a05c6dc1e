#pragma once

// Queue items in a test: pushing a batch, and the data of what came out.

#include "ipc/queue/queue.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ipc::test {

// Pushes items in one batch, committed; under key, as a whole push.
inline queue::Committed push(queue::Queue& queue, std::vector<std::string> const& items,
    queue::PushOptions const& options = {}, std::string_view key = {})
{
    queue.begin({ key });
    for (auto const& item : items)
        queue.add(item, options);
    return queue.commit(key.empty() ? queue::End::Batch : queue::End::Push);
}

inline std::vector<std::string> data_of(std::vector<queue::Item> const& items)
{
    std::vector<std::string> out;
    for (auto const& item : items)
        out.push_back(item.data);
    return out;
}

}
