#pragma once

// Exit statuses and the exceptions that carry them to the top-level handler.
// Throw when the current operation cannot finish and the process should end
// (or, inside a server, the current connection should close). Return a value
// instead when callers routinely branch on the outcome (EOF, would-block).

#include <stdexcept>
#include <string>

namespace ipc {

// The contract in DESIGN.md section 4; every tool documents the ones it uses.
enum class Exit : int {
    Ok = 0,
    Failed = 1, // Some work failed: a handler error, a failed item.
    Usage = 2, // Bad flags, bad names, undecodable input.
    Unavailable = 69, // Nothing to talk to (sysexits EX_UNAVAILABLE).
    Internal = 70, // A bug (sysexits EX_SOFTWARE).
    IoError = 74, // Read or write failed (sysexits EX_IOERR).
    TempFail = 75, // Try again later (sysexits EX_TEMPFAIL).
    Timeout = 124, // Like timeout(1).
    Interrupted = 130, // SIGINT cut a task short.
    Terminated = 143, // SIGTERM cut a task short.
};

class Error : public std::runtime_error {
public:
    Error(Exit exit, std::string message, std::string hint = {})
        : std::runtime_error(std::move(message))
        , m_exit(exit)
        , m_hint(std::move(hint))
    {
    }

    Exit exit() const { return m_exit; }
    // One short sentence telling the user what to do next; may be empty.
    std::string const& hint() const { return m_hint; }

private:
    Exit m_exit;
    std::string m_hint;
};

// A failed system call; keeps errno so callers can catch one case precisely.
class SystemError : public Error {
public:
    SystemError(Exit exit, std::string message, int error_number)
        : Error(exit, std::move(message))
        , m_error_number(error_number)
    {
    }

    int error_number() const { return m_error_number; }

private:
    int m_error_number;
};

// The reader of our stdout went away (EPIPE): end quietly, like `head` wants.
class StdoutClosed : public Error {
public:
    StdoutClosed()
        : Error(Exit::Ok, "stdout closed")
    {
    }
};

}
