#include "ipc/framing/table.hpp"

#include <catch2/catch.hpp>

using ipc::framing::Align;
using ipc::framing::format_table;

TEST_CASE("a table's columns are as wide as their widest cell, two spaces apart", "[framing]")
{
    auto const lines = format_table({ { "NAME" }, { "SIZE", Align::Right }, { "AGE" } },
        { { "a.long.name", "5", "3s" }, { "b", "12345", "10m" } });
    CHECK(lines
        == std::vector<std::string> {
            "NAME          SIZE  AGE",
            "a.long.name      5  3s",
            "b            12345  10m",
        });
}

TEST_CASE("a table with no rows is its header, and a short row leaves cells empty", "[framing]")
{
    CHECK(
        format_table({ { "TOPIC" }, { "AGE" } }, {}) == std::vector<std::string> { "TOPIC  AGE" });
    CHECK(format_table({ { "A" }, { "B", Align::Right }, { "C" } }, { { "xyz" } })
        == std::vector<std::string> { "A    B  C", "xyz     " });
}
