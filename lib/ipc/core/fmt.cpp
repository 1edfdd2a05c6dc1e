// fmt's compiled part, built once for the whole project. Every other file
// includes fmt's headers without FMT_HEADER_ONLY, so each one no longer
// compiles fmt's implementation (format-inl.h) again: that cost 3.7 s of
// the 5 s a typical file of lib/ took to compile. The tools still link no
// shared libfmt (a one-shot tool loads nothing but libc).

#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

// The templates format.h declares extern (or that its inline code calls)
// when FMT_HEADER_ONLY is not defined, instantiated for char.
template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template locale_ref::locale_ref(std::locale const& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
template void buffer<char>::append(char const*, char const*);
template void vformat_to(
    buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

}
FMT_END_NAMESPACE
