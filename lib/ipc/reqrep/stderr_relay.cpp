// Lines of a handler's stderr, cut and counted (stderr_relay.hpp).

#include "ipc/reqrep/stderr_relay.hpp"

#include <fmt/format.h>

namespace ipc::reqrep {

void StderrRelay::show(std::string_view line, bool cut, Emit const& emit)
{
    if (m_shown >= m_budget) {
        m_hidden += line.size() + 1;
        return;
    }
    m_shown += line.size() + 1;
    if (!cut) {
        emit(line);
        return;
    }
    std::string shortened(line);
    shortened += "...";
    emit(shortened);
}

void StderrRelay::feed(std::string_view chunk, Emit const& emit)
{
    while (!chunk.empty()) {
        auto const newline = chunk.find('\n');
        auto const piece = chunk.substr(0, newline);
        chunk = newline == chunk.npos ? std::string_view() : chunk.substr(newline + 1);
        if (m_cut) {
            m_hidden += piece.size();
        } else {
            auto const room = m_line_limit - m_line.size();
            m_line.append(piece.substr(0, room));
            if (piece.size() > room) {
                m_hidden += piece.size() - room;
                m_cut = true;
            }
        }
        if (newline == std::string_view::npos)
            return;
        if (m_cut)
            ++m_hidden; // Its newline.
        show(m_line, m_cut, emit);
        m_line.clear();
        m_cut = false;
    }
}

void StderrRelay::end_request(Emit const& emit)
{
    if (m_hidden > 0)
        emit(fmt::format("{} more bytes of standard error not shown", m_hidden));
    m_hidden = 0;
    m_shown = 0;
}

void StderrRelay::finish(Emit const& emit)
{
    if (!m_line.empty() || m_cut) {
        show(m_line, m_cut, emit);
        m_line.clear();
        m_cut = false;
    }
    end_request(emit);
}

}
