#pragma once

// The timing policy of leases and retries, pure so that it is tested alone.

#include "ipc/core/parse.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ipc::queue {

inline constexpr Duration max_backoff = std::chrono::hours(1);

// The wait before attempt + 1 after attempt failed: base, doubled per
// attempt after the first, and at most max_backoff.
inline Duration backoff(Duration base, std::int64_t attempt)
{
    Duration wait = base;
    for (std::int64_t i = 1; i < attempt && wait < max_backoff; ++i)
        wait *= 2;
    return std::min(wait, max_backoff);
}

}
