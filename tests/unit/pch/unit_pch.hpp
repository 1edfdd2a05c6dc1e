// Precompiled for every unit-test file: Catch2 v2's single header is 17,000
// lines that each test file would otherwise parse again.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <vector>
