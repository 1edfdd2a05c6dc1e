#pragma once

// sd_notify(3) without libsystemd: tells a service manager that started us
// with NOTIFY_SOCKET (a systemd unit of Type=notify) that we are ready.

#include <string_view>

namespace ipc::io {

// Sends state (such as "READY=1") as one datagram to the socket that
// socket_name names: a path, or an abstract name when it starts with '@'.
// False when socket_name is null or empty (nobody asked). When the socket
// cannot be reached, warns (one line) and returns false: the service works
// all the same, only its manager is not told.
bool notify(std::string_view state, char const* socket_name);

// The same to $NOTIFY_SOCKET.
bool notify(std::string_view state);

}
