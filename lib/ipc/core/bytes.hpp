#pragma once

// Counting one byte value in a buffer: the hot loop of line runs, where every
// message is counted but none is touched. g++ -O2 does not vectorise
// std::count on chars, so this does it by hand: SSE2 where there is SSE2
// (every x86-64), eight bytes at a time elsewhere.

#include <cstdint>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace ipc {

inline std::uint64_t count_byte(std::string_view bytes, char value)
{
    std::uint64_t count = 0;
    std::size_t at = 0;
#ifdef __SSE2__
    __m128i const pattern = _mm_set1_epi8(value);
    while (at + 16 <= bytes.size()) {
        // Byte lanes count matches (a match is -1, subtracted) for up to 255
        // rounds before they could wrap; then they are summed into count.
        __m128i lanes = _mm_setzero_si128();
        for (int round = 0; round < 255 && at + 16 <= bytes.size(); ++round, at += 16) {
            __m128i const chunk
                = _mm_loadu_si128(reinterpret_cast<__m128i const*>(bytes.data() + at));
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(chunk, pattern));
        }
        __m128i const sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
        count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums))
            + static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    }
#else
    constexpr std::uint64_t ones = 0x0101010101010101;
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7f;
    std::uint64_t const pattern = ones * static_cast<unsigned char>(value);
    for (; at + 8 <= bytes.size(); at += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + at, 8);
        std::uint64_t const x = word ^ pattern; // Zero bytes where value is.
        std::uint64_t const zero = ~(((x & low7) + low7) | x | low7); // 0x80 where x is 0.
        count += ((zero >> 7) * ones) >> 56;
    }
#endif
    for (; at < bytes.size(); ++at)
        count += bytes[at] == value;
    return count;
}

}
