#pragma once

// "did you mean 'push'?": the known word a mistyped one was most likely meant
// to be. Pure; used by the CLI kit for mistyped subcommands.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ipc {

// The number of single-character insertions, deletions, substitutions and
// swaps of two neighbours that turn a into b (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate word was most likely meant to be: the only one it starts
// (`pu` → `push`), else the one nearest to it when that is clearly near (at
// most one edit per three letters, and no other candidate as near). None
// when nothing is close or two candidates are equally close.
std::optional<std::string> nearest_word(
    std::string_view word, std::span<std::string const> candidates);

}
