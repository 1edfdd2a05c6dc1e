#pragma once

// One JSON object written member by member, for the --json output of the
// commands that describe things (ipc-queue stat, ipc-shm ls and stat, the
// --list of ipc-sub, ipc-serve and ipc-pub):
//
//     JsonObject(line).string("name", name).number("size", 5).null("age");
//
// appends {"name":"…","size":5,"age":null} to line; the destructor (or
// close()) writes the '}'. Keys are the caller's ASCII words; string values
// are escaped (json.hpp).

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::framing {

class JsonObject {
public:
    explicit JsonObject(std::string& out);
    ~JsonObject() { close(); }
    JsonObject(JsonObject const&) = delete;
    JsonObject& operator=(JsonObject const&) = delete;

    JsonObject& string(std::string_view key, std::string_view value);
    template<std::integral T> JsonObject& number(std::string_view key, T value)
    {
        return raw(key, std::to_string(value));
    }
    // A number with exactly `decimals` digits after the point: 0.1, 12.50.
    JsonObject& fixed(std::string_view key, double value, int decimals);
    JsonObject& null(std::string_view key);
    // An array of strings: "key":["a","b"].
    JsonObject& strings(std::string_view key, std::vector<std::string> const& values);
    // A member whose value is already JSON.
    JsonObject& raw(std::string_view key, std::string_view json);

    // Writes the '}' (once); the object takes no members after it.
    void close();

private:
    std::string& member(std::string_view key);

    std::string& m_out;
    bool m_empty = true;
    bool m_closed = false;
};

}
