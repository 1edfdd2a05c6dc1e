// count_byte(): byte lanes count matches (a match is -1, subtracted) for up
// to 255 rounds before they could wrap; then they are summed. Several lanes
// side by side keep the loop from waiting on one register.

#include "ipc/core/bytes.hpp"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __x86_64__
#include <immintrin.h>
#endif

namespace ipc {

namespace {

std::uint64_t count_tail(char const* at, char const* end, char value)
{
    std::uint64_t count = 0;
    for (; at < end; ++at)
        count += *at == value;
    return count;
}

#ifdef __x86_64__
__attribute__((target("avx2"))) std::uint64_t count_avx2(std::string_view bytes, char value)
{
    std::uint64_t count = 0;
    char const* at = bytes.data();
    char const* const end = at + bytes.size();
    __m256i const pattern = _mm256_set1_epi8(value);
    __m256i const zero = _mm256_setzero_si256();
    while (end - at >= 64) {
        __m256i one = zero;
        __m256i two = zero;
        for (int round = 0; round < 255 && end - at >= 64; ++round, at += 64) {
            auto const* lanes = reinterpret_cast<__m256i const*>(at);
            one = _mm256_sub_epi8(one, _mm256_cmpeq_epi8(_mm256_loadu_si256(lanes), pattern));
            two = _mm256_sub_epi8(two, _mm256_cmpeq_epi8(_mm256_loadu_si256(lanes + 1), pattern));
        }
        __m256i const sums
            = _mm256_add_epi64(_mm256_sad_epu8(one, zero), _mm256_sad_epu8(two, zero));
        count += static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 0)
            + _mm256_extract_epi64(sums, 1) + _mm256_extract_epi64(sums, 2)
            + _mm256_extract_epi64(sums, 3));
    }
    return count + count_tail(at, end, value);
}

bool const avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);
#endif

}

namespace detail {

std::uint64_t count_byte_baseline(std::string_view bytes, char value)
{
    std::uint64_t count = 0;
    char const* at = bytes.data();
    char const* const end = at + bytes.size();
#ifdef __SSE2__
    __m128i const pattern = _mm_set1_epi8(value);
    __m128i const zero = _mm_setzero_si128();
    while (end - at >= 32) {
        __m128i one = zero;
        __m128i two = zero;
        for (int round = 0; round < 255 && end - at >= 32; ++round, at += 32) {
            auto const* lanes = reinterpret_cast<__m128i const*>(at);
            one = _mm_sub_epi8(one, _mm_cmpeq_epi8(_mm_loadu_si128(lanes), pattern));
            two = _mm_sub_epi8(two, _mm_cmpeq_epi8(_mm_loadu_si128(lanes + 1), pattern));
        }
        __m128i const sums = _mm_add_epi64(_mm_sad_epu8(one, zero), _mm_sad_epu8(two, zero));
        count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums))
            + static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    }
#else
    constexpr std::uint64_t ones = 0x0101010101010101;
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7f;
    std::uint64_t const pattern = ones * static_cast<unsigned char>(value);
    for (; end - at >= 8; at += 8) {
        std::uint64_t word;
        std::memcpy(&word, at, 8);
        std::uint64_t const x = word ^ pattern; // Zero bytes where value is.
        std::uint64_t const zero = ~(((x & low7) + low7) | x | low7); // 0x80 where x is 0.
        count += ((zero >> 7) * ones) >> 56;
    }
#endif
    return count + count_tail(at, end, value);
}

bool has_avx2()
{
#ifdef __x86_64__
    return avx2;
#else
    return false;
#endif
}

}

std::uint64_t count_byte(std::string_view bytes, char value)
{
#ifdef __x86_64__
    if (avx2)
        return count_avx2(bytes, value);
#endif
    return detail::count_byte_baseline(bytes, value);
}

}
