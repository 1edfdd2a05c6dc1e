#pragma once

// A handler's standard error on its way to ipc-serve's: cut into lines that
// the caller prints after a prefix of its own (the request's number). Pure
// and bounded whatever the handler writes: a line longer than line_limit is
// cut short ("..."), and once a request has had budget bytes shown, the rest
// is only counted, and said in one line at its end.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ipc::reqrep {

class StderrRelay {
public:
    using Emit = std::function<void(std::string_view line)>;

    static constexpr std::size_t default_line_limit = 4096;
    static constexpr std::size_t default_budget = 64 * 1024;

    explicit StderrRelay(
        std::size_t line_limit = default_line_limit, std::size_t budget = default_budget)
        : m_line_limit(line_limit)
        , m_budget(budget)
    {
    }

    // Passes each line that chunk completes to emit, without its newline.
    void feed(std::string_view chunk, Emit const& emit);
    // The end of a request: says how much was not shown, if anything, and
    // gives the next request a budget of its own. An unfinished line stays.
    void end_request(Emit const& emit);
    // The end of the stream: its unfinished last line too.
    void finish(Emit const& emit);

private:
    void show(std::string_view line, bool cut, Emit const& emit);

    std::size_t m_line_limit;
    std::size_t m_budget;
    std::string m_line; // The unfinished line, at most m_line_limit bytes.
    bool m_cut = false; // m_line was cut: the rest of it is being skipped.
    std::size_t m_shown = 0; // Bytes shown for the current request.
    std::uint64_t m_hidden = 0; // Bytes not shown for it.
};

}
