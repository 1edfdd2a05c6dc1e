#pragma once

// Which of the items written to a pipe its reader has taken. Each item is
// recorded with the offset in the output at which its bytes end; once the
// reader has taken that many bytes, the item is its. Pure: no I/O, no clock.

#include "ipc/queue/queue.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace ipc::queue {

class Ledger {
public:
    // Records item, whose bytes end at offset end (not before the last one's).
    void add(Item item, std::uint64_t end)
    {
        m_items.push_back(std::move(item));
        m_ends.push_back(end);
    }

    // Removes and returns, in order, the items whose bytes all lie within
    // the first taken bytes of the output.
    std::vector<Item> take(std::uint64_t taken)
    {
        auto const first = m_ends.begin() + static_cast<std::ptrdiff_t>(m_first);
        auto const count
            = static_cast<std::size_t>(std::upper_bound(first, m_ends.end(), taken) - first);
        return remove(count);
    }

    // Removes and returns every item.
    std::vector<Item> take_all() { return remove(m_items.size() - m_first); }

    // The items recorded and not taken yet, in order.
    std::span<Item const> items() const { return std::span(m_items).subspan(m_first); }
    bool empty() const { return m_first == m_items.size(); }

private:
    std::vector<Item> remove(std::size_t count)
    {
        auto const first = m_items.begin() + static_cast<std::ptrdiff_t>(m_first);
        std::vector<Item> out(std::make_move_iterator(first),
            std::make_move_iterator(first + static_cast<std::ptrdiff_t>(count)));
        m_first += count;
        if (m_first == m_items.size() || m_first > 4096) { // Keep the vectors short.
            m_items.erase(m_items.begin(), m_items.begin() + static_cast<std::ptrdiff_t>(m_first));
            m_ends.erase(m_ends.begin(), m_ends.begin() + static_cast<std::ptrdiff_t>(m_first));
            m_first = 0;
        }
        return out;
    }

    std::vector<Item> m_items;
    std::vector<std::uint64_t> m_ends;
    std::size_t m_first = 0; // Those before it are taken.
};

}
