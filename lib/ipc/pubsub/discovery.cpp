// A local publisher's view of the subscribers (discovery.hpp).

#include "ipc/pubsub/discovery.hpp"

#include "ipc/io/socket.hpp"

namespace ipc::pubsub {

Discovery::Discovery()
{
    scan();
}

void Discovery::scan()
{
    std::map<std::string, Registration> found;
    for (auto& registration : m_registry.list())
        found.emplace(registration.id, std::move(registration));
    m_registrations = std::move(found);
}

bool Discovery::watch()
{
    if (m_watch)
        return false;
    m_watch = std::make_unique<io::DirWatch>(m_registry.path());
    scan(); // Whoever registered before the watch began.
    return true;
}

bool Discovery::refresh()
{
    bool changed = false;
    for (auto const& name : m_watch->drain()) {
        auto const id = io::registered_id(name);
        if (!id)
            continue;
        if (auto registration = m_registry.read(*id)) {
            m_registrations.insert_or_assign(*id, std::move(*registration));
            changed = true;
        }
    }
    return changed;
}

void Discovery::forget_stale()
{
    for (auto const& id : m_stale)
        m_registrations.erase(id);
    m_stale.clear();
}

}
