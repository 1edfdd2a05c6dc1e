#pragma once

// Defaults shared by every tool, named once so help texts and code agree.

#include <cstddef>

namespace ipc {

// The largest message accepted from a socket or stdin unless --max-size says otherwise.
inline constexpr std::size_t default_max_size = 64 * 1024 * 1024;

// Buffers for reading stdin and batching output and frames: large enough to
// amortise system calls, small enough to stay in cache.
inline constexpr std::size_t io_chunk_size = 64 * 1024;

}
