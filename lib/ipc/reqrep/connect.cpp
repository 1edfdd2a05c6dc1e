// Connecting a client to a server of an ADDRESS (connect.hpp), waiting for
// one on the registry directory's inotify watch when --wait allows.

#include "ipc/reqrep/connect.hpp"

#include "ipc/core/sys.hpp"
#include "ipc/io/loop.hpp"
#include "ipc/io/socket.hpp"
#include "ipc/io/stop.hpp"
#include "ipc/io/watch.hpp"
#include "ipc/reqrep/registry.hpp"

#include <fcntl.h>

namespace ipc::reqrep {

namespace {

using Clock = std::chrono::steady_clock;

// Polling interval where nothing can be watched (TCP, a missing directory).
constexpr auto retry_interval = std::chrono::milliseconds(20);

// Connects to the first of ids that answers; removes those of dead servers.
std::optional<Connected> try_connect_ids(
    Registry const& registry, std::vector<std::string> const& ids)
{
    for (auto const& id : ids) {
        int error = 0;
        if (auto fd
            = io::try_connect_unix(registry.dir_fd(), id + ".sock", io::Blocking::Yes, error))
            return Connected { std::move(*fd), id };
        if (error == ECONNREFUSED)
            registry.remove(id); // Its server died without cleaning up.
    }
    return std::nullopt;
}

std::optional<Connected> try_connect_name(std::string const& name, std::string const& avoid)
{
    Registry const registry(name, false);
    auto ids = registry.list();
    // The server that failed us goes last: it may still be the only one.
    std::stable_partition(ids.begin(), ids.end(), [&](auto const& id) { return id != avoid; });
    return try_connect_ids(registry, ids);
}

std::optional<Connected> try_connect_path(std::string const& path)
{
    auto const slash = path.rfind('/');
    auto const dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
    Fd dir_fd { ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC) };
    if (!dir_fd)
        return std::nullopt;
    int error = 0;
    if (auto fd
        = io::try_connect_unix(dir_fd.get(), path.substr(slash + 1), io::Blocking::Yes, error))
        return Connected { std::move(*fd), {} };
    return std::nullopt;
}

std::string hint_for(Address const& address)
{
    return fmt::format(
        "start one with 'ipc-serve {} -- CMD', or wait for one with --wait D", address.text());
}

}

std::optional<Connected> try_connect(Address const& address, std::string const& avoid)
{
    switch (address.kind) {
    case Address::Kind::Name:
        return try_connect_name(address.name, avoid);
    case Address::Kind::Unix:
        return try_connect_path(address.path);
    case Address::Kind::Tcp: {
        int error = 0;
        if (auto fd = io::try_connect_tcp(address.host, address.port, error))
            return Connected { std::move(*fd), {} };
        return std::nullopt;
    }
    }
    return std::nullopt;
}

std::optional<Connected> try_connect_another(
    Address const& address, std::vector<std::string> const& taken)
{
    if (address.kind != Address::Kind::Name)
        return std::nullopt;
    Registry const registry(address.name, false);
    auto ids = registry.list();
    std::erase_if(ids, [&taken](auto const& id) {
        return std::find(taken.begin(), taken.end(), id) != taken.end();
    });
    return try_connect_ids(registry, ids);
}

std::optional<Connected> connect(
    Address const& address, std::optional<Duration> wait, Stop& stop, std::string const& avoid)
{
    if (auto connected = try_connect(address, avoid))
        return connected;
    auto const deadline = Clock::now() + wait.value_or(Duration::zero());
    std::optional<io::DirWatch> watch;
    if (wait && address.kind == Address::Kind::Name) {
        Registry const registry(address.name, true); // Created, so that it can be watched.
        watch.emplace(registry.path());
    }
    io::Loop loop(stop);
    if (watch)
        loop.add(watch->fd(), EPOLLIN, [&watch](std::uint32_t) { watch->drain(); });
    while (wait && Clock::now() < deadline) {
        // Connect once more after arming the watch: a server may have come in between.
        if (auto connected = try_connect(address, avoid))
            return connected;
        auto const until = watch ? deadline : std::min(deadline, Clock::now() + retry_interval);
        if (loop.run_once(until) == io::Loop::Result::Stopped)
            return std::nullopt;
    }
    if (auto connected = try_connect(address, avoid))
        return connected;
    throw Error(Exit::Unavailable, fmt::format("{}: no server is listening", address.text()),
        hint_for(address));
}

}
