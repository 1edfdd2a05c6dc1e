#include "ipc/core/spelling.hpp"

#include <algorithm>
#include <vector>

namespace ipc {

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    // Three rows of the (|a|+1) × (|b|+1) table: two back, one back, this one.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t const substitution = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({ previous[j] + 1, row[j - 1] + 1, previous[j - 1] + substitution });
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                row[j] = std::min(row[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, row);
    }
    return previous[b.size()];
}

std::optional<std::string> nearest_word(
    std::string_view word, std::span<std::string const> candidates)
{
    if (word.empty())
        return std::nullopt;
    auto const starts = [word](std::string const& c) { return c.starts_with(word); };
    if (std::count_if(candidates.begin(), candidates.end(), starts) == 1)
        return *std::find_if(candidates.begin(), candidates.end(), starts);

    std::size_t const limit = std::max<std::size_t>(1, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    bool tied = false;
    for (auto const& candidate : candidates) {
        std::size_t const distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
            tied = false;
        } else if (distance == best_distance) {
            tied = true;
        }
    }
    if (tied || best_distance > limit)
        return std::nullopt;
    return best;
}

}
