#pragma once

// Queue items in a test: pushing a batch, and the data of what came out.

#include "ipc/queue/queue.hpp"

#include <string>
#include <vector>

namespace ipc::test {

// Pushes items in one batch, committed.
inline void push(queue::Queue& queue, std::vector<std::string> const& items,
    queue::PushOptions const& options = {})
{
    queue.begin();
    for (auto const& item : items)
        queue.add(item, options);
    queue.commit();
}

inline std::vector<std::string> data_of(std::vector<queue::Item> const& items)
{
    std::vector<std::string> out;
    for (auto const& item : items)
        out.push_back(item.data);
    return out;
}

}
