// mmap(2) and munmap(2) under RAII (mapping.hpp): MAP_SHARED, so that every
// process that maps a segment sees the same bytes.

#include "ipc/shm/mapping.hpp"

#include "ipc/core/sys.hpp"

#include <sys/mman.h>
#include <utility>

namespace ipc::shm {

Mapping::Mapping(int fd, std::size_t size, bool writable)
    : m_size(size)
{
    int const protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* address = ::mmap(nullptr, size, protection, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED)
        sys::fail("mmap", {}, errno);
    m_data = static_cast<std::byte*>(address);
}

Mapping::Mapping(Mapping&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

Mapping& Mapping::operator=(Mapping&& other) noexcept
{
    if (this != &other) {
        if (m_data)
            ::munmap(m_data, m_size);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

Mapping::~Mapping()
{
    if (m_data)
        ::munmap(m_data, m_size);
}

}
