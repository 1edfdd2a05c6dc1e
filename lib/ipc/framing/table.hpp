#pragma once

// The tables of the listings for people (ipc-shm ls, ipc-sub --list,
// ipc-serve --list, ipc-pub --list): a header line, then one line per row;
// each column as wide as its widest cell, two spaces apart, the last one not
// padded. Scripts read the first column (awk 'NR>1{print $1}'), or --json.
// Pure.

#include <string>
#include <string_view>
#include <vector>

namespace ipc::framing {

enum class Align { Left, Right };

struct Column {
    std::string_view header;
    Align align = Align::Left;
};

using Row = std::vector<std::string>;

// The lines of the table, header first; a row with fewer cells than there
// are columns leaves the rest empty.
std::vector<std::string> format_table(
    std::vector<Column> const& columns, std::vector<Row> const& rows);

}
