#pragma once

// Message headers, NATS-style: each key has one or more values, in order. A
// message carries them as one encoded block (MessageView::headers, empty when
// there are none), so a message without headers costs nothing; the local
// wire carries the block as it is (ipc-protocol(7)). Pure, and fuzzed.
//
// Block: repeated  key_length(u16) key value_count(u16)
//                  then value_count times: value_length(u16) value
// big-endian, at most max_headers_size bytes in all.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc {

inline constexpr std::size_t max_headers_size = 65535;

// Why block is not a valid header block, nullopt when it is: its entries
// fill it exactly; every key is printable ASCII other than ':' (an RFC 5322
// field name), appears once and has one or more values; every value is UTF-8
// without CR or LF. Those are what NATS headers and JSON strings can carry.
std::optional<std::string> headers_problem(std::string_view block);

// Builds a block key by key; finish() checks it.
class HeadersBuilder {
public:
    void add_key(std::string_view key);
    // Adds a value to the last key added (there must be one).
    void add_value(std::string_view value);
    // The block, or nullopt with error set when it is too large or not valid.
    std::optional<std::string> finish(std::string& error);

private:
    bool room_for(std::size_t bytes);

    std::string m_block;
    std::size_t m_count_at = 0; // Where the last key's value count is; 0 before any key.
    std::size_t m_count = 0; // The last key's values.
    bool m_too_large = false;
};

// Walks a valid block: each value with its key, in order.
class HeadersCursor {
public:
    explicit HeadersCursor(std::string_view block)
        : m_rest(block)
    {
    }

    struct Field {
        std::string_view key;
        std::string_view value;
        bool first = true; // The first value of its key.
    };
    std::optional<Field> next();

private:
    std::string_view m_rest;
    std::string_view m_key;
    std::size_t m_left = 0; // Values of m_key still to come.
};

// The values of key in a valid block, in order; empty when it has none.
std::vector<std::string_view> header_values(std::string_view block, std::string_view key);

}
