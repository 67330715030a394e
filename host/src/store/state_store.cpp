#include "store/state_store.hpp"

#include <filesystem>
#include <regex>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

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
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

StateStore::StateStore(StoreLocation location, std::unique_ptr<soci::session> session)
    : location_(std::move(location)), session_(std::move(session)) {}

StateStore::~StateStore() = default;

// A connection to the store: the main one sets the file up (directory, WAL), a reader only
// reads beside it.
static std::unique_ptr<soci::session> connect(const StoreLocation &location, bool reader) {
  auto session = std::make_unique<soci::session>();
  try {
    if (location.backend == Backend::sqlite) {
      if (!reader && location.sqlite_file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(location.sqlite_file.parent_path(), ec);
      }
      session->open(*soci::factory_sqlite3(), location.connect);
      *session << "PRAGMA busy_timeout = 10000";
      if (reader) {
        *session << "PRAGMA query_only = ON";
      } else {
        // Larger pages for a new store: runs append hundreds of bytes of state and audit
        // per record, and 16 KiB pages take them in a quarter of the page writes.
        *session << "PRAGMA page_size = 16384";
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

std::unique_ptr<soci::session> StateStore::open_reader() const {
  return connect(location_, true);
}

int StateStore::schema_version() {
  return current_schema_version(*session_);
}

}  // namespace junction::store
