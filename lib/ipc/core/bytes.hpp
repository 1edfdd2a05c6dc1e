#pragma once

// Counting one byte value in a buffer: the hot loop of line runs, where every
// message is counted but none is touched. g++ -O2 does not vectorise
// std::count on chars, so this does it by hand: with AVX2 where the CPU has
// it, SSE2 on every other x86-64, eight bytes at a time elsewhere.

#include <cstdint>
#include <string_view>

namespace ipc {

std::uint64_t count_byte(std::string_view bytes, char value);

namespace detail {
// The ways count_byte() may take, for tests: the one without AVX2, and
// whether this CPU can take the AVX2 one (which count_byte() then does).
std::uint64_t count_byte_baseline(std::string_view bytes, char value);
bool has_avx2();
}

}
