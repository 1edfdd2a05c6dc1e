#pragma once

// The server side of a tap on a local service (reqrep/tap.hpp): an Observer
// that publishes each request and reply through a local publisher in
// --drop mode, in the server's own loop, only while a tap listens. With
// none, a request costs one check of a flag that the publisher's watch on
// subscribers keeps current.

#include "ipc/reqrep/watch.hpp"

#include <memory>
#include <string>

namespace ipc {

class Stop;

// The tap observer of the local servers of service name.
std::shared_ptr<reqrep::Observer> make_tap(std::string const& service, Stop& stop);

}
