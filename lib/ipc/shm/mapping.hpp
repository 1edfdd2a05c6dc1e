#pragma once

// A shared mapping of a segment's file, unmapped by its destructor.

#include <cstddef>

namespace ipc::shm {

struct Header;

class Mapping {
public:
    Mapping() = default;
    Mapping(int fd, std::size_t size, bool writable); // Throws SystemError.
    Mapping(Mapping&& other) noexcept;
    Mapping& operator=(Mapping&& other) noexcept;
    Mapping(Mapping const&) = delete;
    Mapping& operator=(Mapping const&) = delete;
    ~Mapping();

    std::byte* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    Header const& header() const { return *reinterpret_cast<Header const*>(m_data); }

private:
    std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

}
