// A local publisher's view of the subscribers (discovery.hpp).

#include "ipc/pubsub/discovery.hpp"

#include "ipc/io/socket.hpp"

namespace ipc::pubsub {

void Discovery::learn(Registration registration)
{
    forget(registration.id); // Its patterns may have changed.
    for (auto const& key : index_keys(registration))
        m_index[key].insert(registration.id);
    auto id = registration.id;
    m_registrations.emplace(std::move(id), std::move(registration));
}

void Discovery::forget(std::string const& id)
{
    auto const found = m_registrations.find(id);
    if (found == m_registrations.end())
        return;
    for (auto const& key : index_keys(found->second))
        if (auto const filed = m_index.find(key); filed != m_index.end()) {
            filed->second.erase(id);
            if (filed->second.empty())
                m_index.erase(filed);
        }
    m_registrations.erase(found);
}

std::vector<Registration const*> Discovery::matching(std::string_view topic)
{
    std::set<std::string> ids; // One registration may be filed under several keys.
    for (auto const& key : index_keys(topic)) {
        // Without a watch nothing keeps what was read current: read again.
        if (!m_watch || !m_read_keys.contains(key)) {
            for (auto const& id : m_registry.indexed(key))
                if (!m_registrations.contains(id))
                    if (auto registration = m_registry.read_indexed(key, id))
                        learn(std::move(*registration));
            if (m_watch)
                m_read_keys.insert(key);
        }
        if (auto const filed = m_index.find(key); filed != m_index.end())
            ids.insert(filed->second.begin(), filed->second.end());
    }
    std::vector<Registration const*> found;
    for (auto const& id : ids)
        if (auto const& registration = m_registrations.at(id); registration.matches(topic))
            found.push_back(&registration);
    return found;
}

std::vector<Registration const*> Discovery::all()
{
    if (!m_watch || !m_read_all) {
        for (auto& registration : m_registry.list())
            learn(std::move(registration));
        m_read_all = m_watch != nullptr;
    }
    std::vector<Registration const*> found;
    for (auto const& [id, registration] : m_registrations)
        found.push_back(&registration);
    return found;
}

bool Discovery::watch()
{
    if (m_watch)
        return false;
    m_watch = std::make_unique<io::DirWatch>(m_registry.path());
    m_read_keys.clear();
    m_read_all = false;
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
            learn(std::move(*registration));
            changed = true;
        }
    }
    return changed;
}

void Discovery::forget_stale()
{
    for (auto const& id : m_stale)
        forget(id);
    m_stale.clear();
}

}
