#pragma once

// The one check of every fuzz target: a property that does not hold aborts,
// and libFuzzer (or the replay runner) reports the input that broke it.

#include <cstdlib>

namespace ipc::fuzz {

inline void require(bool ok)
{
    if (!ok)
        std::abort();
}

}
