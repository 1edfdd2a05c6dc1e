// The local queue: opening one, pushing into it, and the keys of push --id
// (sqlite_queue.hpp says where the rest is).

#include "ipc/queue/sqlite_store.hpp"

#include "ipc/core/error.hpp"
#include "ipc/core/sys.hpp"
#include "ipc/names/dirs.hpp"
#include "ipc/names/name.hpp"
#include "ipc/queue/sqlite_queue.hpp"
#include "ipc/queue/sqlite_schema.hpp"
#include "ipc/queue/wakeup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace ipc::queue {

namespace {

// Holds key for this process, so that two pushes under one key never run at
// once: an open file description lock, which the kernel drops when the
// process ends however it ends, on one byte of the database file far past
// those SQLite locks, chosen by the key's FNV-1a hash. Returns no fd when
// another process holds it.
Fd lock_key(std::string const& path, std::string_view key)
{
    std::uint64_t hash = 0xcbf2'9ce4'8422'2325;
    for (char const byte : key)
        hash = (hash ^ static_cast<unsigned char>(byte)) * 0x100'0000'01b3;
    Fd fd { static_cast<int>(sys::check(::open(path.c_str(), O_RDWR | O_CLOEXEC), "open", path)) };
    struct flock lock { };
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start
        = static_cast<off_t>((std::uint64_t { 1 } << 40) + hash % (std::uint64_t { 1 } << 30));
    lock.l_len = 1;
    if (::fcntl(fd.get(), F_OFD_SETLK, &lock) == 0)
        return fd;
    if (errno != EAGAIN && errno != EACCES)
        sys::check(-1, "lock", path);
    return {};
}

}

std::string queue_path(std::string const& name)
{
    return fmt::format("{}/{}.db", state_dir(), name);
}

SqliteQueue::SqliteQueue(std::string name, std::string path, Sync sync, Clock& clock)
    : m_clock(clock)
    , m_db(std::move(name), std::move(path), sync)
    , m_items(m_db, "items")
    , m_dead(m_db, "dead")
{
    open_schema(m_db, now_ns());
}

void SqliteQueue::begin(Key const& key)
{
    if (!key.name.empty() && key.name != m_key)
        claim(key);
    m_next_id.reset(); // Other processes may have pushed since.
    m_pushed = 0;
    m_duplicates = 0;
    m_db.begin();
}

void SqliteQueue::add(std::string_view data, PushOptions const& options)
{
    if (!m_key.empty() && (m_key_finished || m_key_added++ < m_key_stored)) {
        ++m_duplicates; // Stored by an earlier push under the key.
        return;
    }
    if (m_pending.count > 0
        && (options.delay != m_pending_options.delay
            || options.priority != m_pending_options.priority
            || m_pending.data.size() + data.size() > chunk_bytes))
        insert_pending();
    m_pending_options = options;
    m_pending.data.append(data);
    append_end(m_pending.ends, static_cast<std::uint32_t>(m_pending.data.size()));
    if (++m_pending.count == chunk_items || m_pending.data.size() >= chunk_bytes)
        insert_pending();
}

void SqliteQueue::insert_pending()
{
    if (m_pending.count == 0)
        return;
    if (!m_next_id) {
        auto* get = m_db.prepare(m_next_get, "SELECT id FROM next_id");
        if (m_db.step(get) != SQLITE_ROW)
            m_db.fail(SQLITE_CORRUPT, "next id");
        m_next_id = sqlite3_column_int64(get, 0);
        sqlite3_reset(get);
    }
    auto const now = now_ns();
    m_pending.id = *m_next_id;
    m_pending.priority = m_pending_options.priority;
    m_pending.ready_at = due_at(now, m_pending_options.delay);
    m_pending.enqueued = now;
    m_items.insert(m_pending);
    *m_next_id += m_pending.count;
    auto* put = m_db.prepare(m_next_put, "UPDATE next_id SET id = ?1");
    sqlite3_bind_int64(put, 1, *m_next_id);
    m_db.step(put);
    m_pushed += static_cast<std::uint64_t>(m_pending.count);
    m_pending.count = 0;
    m_pending.ends.clear();
    m_pending.data.clear();
}

void SqliteQueue::record(std::uint64_t pushed, std::uint64_t done)
{
    auto const bucket = now_ns() / bucket_ns;
    auto* count = m_db.prepare(m_record,
        "INSERT INTO activity (bucket, pushed, done) VALUES (?1, ?2, ?3) ON CONFLICT (bucket)"
        " DO UPDATE SET pushed = pushed + excluded.pushed, done = done + excluded.done");
    sqlite3_bind_int64(count, 1, bucket);
    sqlite3_bind_int64(count, 2, static_cast<std::int64_t>(pushed));
    sqlite3_bind_int64(count, 3, static_cast<std::int64_t>(done));
    m_db.step(count);
    auto* prune = m_db.prepare(m_prune, "DELETE FROM activity WHERE bucket < ?1");
    sqlite3_bind_int64(prune, 1, bucket - window_buckets);
    m_db.step(prune);
}

Committed SqliteQueue::commit(End end)
{
    insert_pending();
    if (!m_key.empty() && (m_pushed != 0 || end == End::Push)) {
        auto* count = m_db.prepare(
            m_key_count, "UPDATE keys SET stored = stored + ?2, done = done OR ?3 WHERE key = ?1");
        bind_text(count, 1, m_key);
        sqlite3_bind_int64(count, 2, static_cast<std::int64_t>(m_pushed));
        sqlite3_bind_int(count, 3, end == End::Push);
        m_db.step(count);
    }
    if (m_pushed != 0)
        record(m_pushed, 0);
    m_db.commit();
    Committed const committed {
        .stored = m_pushed, .duplicates = m_duplicates, .finished = !m_key.empty() && m_key_finished
    };
    m_pushed = m_duplicates = 0;
    m_next_id.reset();
    if (committed.stored != 0)
        ring(m_db.name());
    return committed;
}

void SqliteQueue::rollback() noexcept
{
    if (!m_key.empty() && !m_key_finished) // The items of the batch are added again.
        m_key_added -= std::min(
            m_key_added, m_pushed + m_duplicates + static_cast<std::uint64_t>(m_pending.count));
    m_pending.count = 0;
    m_pending.ends.clear();
    m_pending.data.clear();
    m_next_id.reset();
    m_pushed = m_duplicates = 0;
    m_db.rollback();
}

std::unique_ptr<Waiter> SqliteQueue::waiter()
{
    return std::make_unique<Doorbell>(m_db.name());
}

// Claims key for this Queue, outside a transaction: records it for its
// window, or finds what earlier pushes under it stored and whether one
// finished; holds it until the Queue is destroyed.
void SqliteQueue::claim(Key const& key)
{
    auto lock = lock_key(m_db.path(), key.name);
    if (!lock)
        throw Error(Exit::TempFail,
            fmt::format("{}: --id {}: another push with this key is running", m_db.name(),
                printable(key.name)),
            "try again once it has finished");
    transaction(m_db, [&] {
        auto const now = now_ns();
        // Old keys go first, so the table stays as small as the window.
        auto* sweep = m_db.prepare(m_key_sweep, "DELETE FROM keys WHERE expires <= ?1");
        sqlite3_bind_int64(sweep, 1, now);
        m_db.step(sweep);
        auto* get = m_db.prepare(m_key_get, "SELECT stored, done FROM keys WHERE key = ?1");
        bind_text(get, 1, key.name);
        m_key_stored = 0;
        m_key_finished = false;
        if (m_db.step(get) == SQLITE_ROW) {
            m_key_stored = static_cast<std::uint64_t>(sqlite3_column_int64(get, 0));
            m_key_finished = sqlite3_column_int64(get, 1) != 0;
            sqlite3_reset(get);
            return;
        }
        auto* put = m_db.prepare(
            m_key_put, "INSERT INTO keys (key, expires, stored, done) VALUES (?1, ?2, 0, 0)");
        bind_text(put, 1, key.name);
        sqlite3_bind_int64(put, 2, now + nanoseconds(key.window));
        m_db.step(put);
    });
    m_key = key.name;
    m_key_lock = std::move(lock);
    m_key_added = 0;
}

std::unique_ptr<Queue> open_sqlite(
    std::string const& name, Missing missing, Sync sync, Clock& clock)
{
    auto path = queue_path(name);
    if (missing == Missing::Fail && ::access(path.c_str(), F_OK) != 0)
        throw NoSuchQueue(name);
    return std::make_unique<SqliteQueue>(name, std::move(path), sync, clock);
}

std::vector<std::string> list_queues()
{
    auto const dir = state_dir();
    std::vector<std::string> names;
    DIR* stream = ::opendir(dir.c_str());
    if (!stream)
        throw Error(Exit::IoError, fmt::format("{}: cannot list: {}", dir, std::strerror(errno)));
    while (auto const* entry = ::readdir(stream)) {
        std::string_view const file = entry->d_name;
        if (file.size() > 3 && file.ends_with(".db")
            && is_valid_name(file.substr(0, file.size() - 3)))
            names.emplace_back(file.substr(0, file.size() - 3));
    }
    ::closedir(stream);
    std::sort(names.begin(), names.end());
    return names;
}

void remove_queue(std::string const& name)
{
    auto const path = queue_path(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            throw NoSuchQueue(name);
        throw Error(Exit::IoError,
            fmt::format("{}: cannot remove {}: {}", name, path, std::strerror(errno)));
    }
    ::unlink((path + "-wal").c_str());
    ::unlink((path + "-shm").c_str());
}

}
