#pragma once

// Header blocks for tests, from keys and their values.

#include "ipc/core/headers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace ipc::test {

using HeaderEntries = std::vector<std::pair<std::string, std::vector<std::string>>>;

// What HeadersBuilder makes of entries: the block, or its error after "error: ".
inline std::string build_headers(HeaderEntries const& entries)
{
    HeadersBuilder builder;
    for (auto const& [key, values] : entries) {
        builder.add_key(key);
        for (auto const& value : values)
            builder.add_value(value);
    }
    std::string error;
    auto block = builder.finish(error);
    return block ? *block : "error: " + error;
}

// The block of entries that must be valid.
inline std::string header_block(HeaderEntries const& entries)
{
    auto block = build_headers(entries);
    INFO(block);
    REQUIRE_FALSE(block.starts_with("error: "));
    return block;
}

}
