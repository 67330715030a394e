#include "store/state_store.hpp"

#include "store/store_failure.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <system_error>
#include <vector>

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include "store/migrations.hpp"

namespace junction::store {
namespace {

// Driver messages may quote the connection string; never let a password through.
std::string safe_message(const std::string &message, const StoreLocation &location) {
  std::string text = mask_password(message);
  // The keyword=value form carries password='...'.
  static const std::regex quoted_password(R"(password='(\\.|[^'])*')");
  text = std::regex_replace(text, quoted_password, "password=***");
  if (location.backend == Backend::postgresql && !location.connect.empty()) {
    for (auto at = text.find(location.connect); at != std::string::npos;
         at = text.find(location.connect, at)) {
      text.replace(at, location.connect.size(), location.display);
    }
  }
  return readable_failure(text);
}

}  // namespace

StateStore::StateStore(StoreLocation location, std::unique_ptr<soci::session> session)
    : location_(std::move(location)), session_(std::move(session)) {
  if (location_.backend == Backend::sqlite) {
    wal_writeback_ = std::make_unique<EarlyWriteback>(location_.sqlite_file.string() + "-wal");
  }
}

void StateStore::start_writeback() {
  if (wal_writeback_) wal_writeback_->nudge();
}

std::unique_ptr<CommitWriteback> StateStore::writeback_while_committing() const {
  if (location_.backend != Backend::sqlite) return nullptr;
  const std::string file = location_.sqlite_file.string();
  try {
    return std::make_unique<CommitWriteback>(std::vector<std::string>{file + "-wal", file});
  } catch (const std::system_error &) {
    return nullptr;  // no thread to be had: the commit goes on without it, only slower
  }
}

StateStore::~StateStore() = default;

// The store holds whole records with personal data (the error queue): a new store, and
// the folders Junction makes for it, are for the owner alone whatever the umask. SQLite
// gives its WAL, shared-memory and journal files the database file's mode.
static void create_private_store_file(const std::filesystem::path &file) {
  std::vector<std::filesystem::path> missing;
  for (auto dir = file.parent_path(); !dir.empty() && !std::filesystem::exists(dir);
       dir = dir.parent_path()) {
    missing.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      throw StoreError("cannot create the folder " + it->string() +
                       " for the state store: " + std::strerror(errno));
    }
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw StoreError("cannot create the state store " + file.string() + ": " +
                     std::strerror(errno));
  }
}

// A connection to the store: the main one sets the file up (directory, WAL), a reader only
// reads beside it.
static std::unique_ptr<soci::session> connect(const StoreLocation &location, bool reader) {
  auto session = std::make_unique<soci::session>();
  try {
    if (location.backend == Backend::sqlite) {
      if (!reader) create_private_store_file(location.sqlite_file);
      session->open(*soci::factory_sqlite3(), location.connect);
      *session << "PRAGMA busy_timeout = 10000";
      if (reader) {
        *session << "PRAGMA query_only = ON";
      } else {
        // 4 KiB pages: a re-run that changes records scattered over the store rewrites
        // one page per changed member, and a first load is no slower than with larger
        // pages now that a member and an audit entry take about 150 bytes together.
        *session << "PRAGMA page_size = 4096";
        *session << "PRAGMA journal_mode = WAL";
        *session << "PRAGMA synchronous = NORMAL";
        *session << "PRAGMA foreign_keys = ON";
        // A run is one long write transaction: let its dirty pages go to the WAL early
        // rather than pile up in memory (updates scattered over a large store otherwise
        // grow the cache by tens of megabytes).
        *session << "PRAGMA cache_spill = 500";
      }
    } else {
      session->open(*soci::factory_postgresql(), location.connect);
      // The server's notices ("relation ... already exists, skipping") go through the
      // logger at debug level, never straight to stderr past the log format.
      PQsetNoticeProcessor(
          static_cast<soci::postgresql_session_backend *>(session->get_backend())->conn_,
          [](void *, const char *message) {
            std::string text = message == nullptr ? "" : message;
            while (!text.empty() && text.back() == '\n') text.pop_back();
            spdlog::debug("PostgreSQL: {}", text);
          },
          nullptr);
    }
  } catch (const std::exception &e) {
    throw StoreError("cannot open the state store " + location.display + ": " +
                     safe_message(e.what(), location));
  }
  return session;
}

std::unique_ptr<StateStore> StateStore::open(const StoreLocation &location) {
  auto session = connect(location, false);
  try {
    apply_migrations(*session, location.backend);
  } catch (const std::exception &e) {
    throw StoreError("cannot prepare the state store " + location.display + ": " +
                     safe_message(e.what(), location));
  }
  return std::unique_ptr<StateStore>(new StateStore(location, std::move(session)));
}

std::string StateStore::probe(const StoreLocation &location) {
  if (location.backend == Backend::sqlite) {
    std::error_code ec;
    if (!std::filesystem::exists(location.sqlite_file, ec)) {
      // The first run creates it, and the folders up to it: the nearest existing one must
      // be a folder this user can write.
      auto dir = location.sqlite_file.parent_path();
      while (!dir.empty() && !std::filesystem::exists(dir, ec) && dir != dir.parent_path()) {
        dir = dir.parent_path();
      }
      if (dir.empty()) dir = ".";
      if (!std::filesystem::is_directory(dir, ec)) {
        return "cannot create the state store " + location.display + ": " + dir.string() +
               " is not a folder";
      }
      if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        return "cannot create the state store " + location.display + " in " + dir.string() + ": " +
               std::strerror(errno);
      }
      return {};
    }
    if (::access(location.sqlite_file.c_str(), R_OK | W_OK) != 0) {
      return "cannot open the state store " + location.display + ": " + std::strerror(errno);
    }
  }
  try {
    auto session = connect(location, true);
    int version = 0;
    try {
      version = current_schema_version(*session);
    } catch (const std::exception &) {
      *session << "SELECT 1";  // a new store: no schema yet, but it answers
    }
    if (version > latest_schema_version()) {
      return "the state store " + location.display + " has schema version " +
             std::to_string(version) + ", newer than this Junction knows (" +
             std::to_string(latest_schema_version()) + "): upgrade Junction";
    }
  } catch (const StoreError &e) {
    return e.what();
  } catch (const std::exception &e) {
    return "cannot read the state store " + location.display + ": " +
           safe_message(e.what(), location);
  }
  return {};
}

std::unique_ptr<soci::session> StateStore::open_reader() const {
  return connect(location_, true);
}

int StateStore::schema_version() {
  return current_schema_version(*session_);
}

}  // namespace junction::store
