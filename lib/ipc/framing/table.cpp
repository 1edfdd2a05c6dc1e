#include "ipc/framing/table.hpp"

#include <algorithm>

namespace ipc::framing {

std::vector<std::string> format_table(
    std::vector<Column> const& columns, std::vector<Row> const& rows)
{
    std::vector<std::size_t> widths;
    for (auto const& column : columns)
        widths.push_back(column.header.size());
    for (auto const& row : rows)
        for (std::size_t i = 0; i < std::min(row.size(), widths.size()); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    auto const line = [&](auto const& cell_at) {
        std::string text;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            std::string_view const cell = cell_at(i);
            auto const padding = std::string(widths[i] - cell.size(), ' ');
            if (i > 0)
                text += "  ";
            if (columns[i].align == Align::Right)
                text += padding;
            text += cell;
            if (columns[i].align == Align::Left && i + 1 < columns.size())
                text += padding;
        }
        return text;
    };
    std::vector<std::string> lines;
    lines.push_back(line([&](std::size_t i) { return columns[i].header; }));
    for (auto const& row : rows)
        lines.push_back(line([&](std::size_t i) -> std::string_view {
            return i < row.size() ? std::string_view(row[i]) : std::string_view();
        }));
    return lines;
}

}
