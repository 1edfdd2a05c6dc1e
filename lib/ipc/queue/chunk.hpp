#pragma once

// A chunk: a run of queue items with consecutive ids that share their state
// (priority, due time, attempts, lease), stored as one row. Its items' data
// lie back to back in one blob; a second blob, `ends`, says where each one
// ends: one 32-bit little-endian offset per item. One row per item would
// cost a B-tree insert, update and delete per item; a chunk pays them once
// for up to chunk_items items.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::queue {

// Where a push closes a chunk: this many items, or this much data (an item
// larger than that has a chunk of its own). Taking part of a chunk rewrites
// the rest of it, so a chunk stays near one database page: `work -j1` on
// 256-byte items spent most of its time rewriting 64 KiB chunks.
constexpr std::size_t chunk_items = 256;
constexpr std::size_t chunk_bytes = 4 * 1024;

// Appends one item's end offset to an ends blob.
void append_end(std::string& ends, std::uint32_t end);

// Reads the ends blob of a chunk of count items whose data is data_size
// bytes into out: false when it does not describe exactly that (not count
// offsets, one going backwards, the last not data_size) — a corrupt row.
bool decode_ends(std::string_view ends, std::int64_t count, std::size_t data_size,
    std::vector<std::uint32_t>& out);

// The ends blob of items at offsets ends[first..] rebased to start at 0:
// the second half of a split chunk.
std::string rebase_ends(std::vector<std::uint32_t> const& ends, std::size_t first);

}
