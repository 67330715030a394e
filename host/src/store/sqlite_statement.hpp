// One statement prepared on the SQLite connection beneath a SOCI session and kept for as
// long as its owner: the hot paths of the state store (hash lookups, hash and audit writes,
// one row per record) bind by position instead of re-preparing per call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <soci/sqlite3/soci-sqlite3.h>

namespace soci {
class session;
}

namespace junction::store {

class SqliteStatement {
 public:
  // Throws std::runtime_error when SQLite cannot prepare `sql`.
  SqliteStatement(soci::session &session, const std::string &sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement &) = delete;
  SqliteStatement &operator=(const SqliteStatement &) = delete;

  // Parameters count from 1. Text is not copied: it must outlive the next step().
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t number);
  void bind_blob(int index, std::string_view bytes);  // not copied either
  void bind_null(int index);

  // Runs to the next row: true when one is ready, false when done. Throws
  // std::runtime_error naming SQLite's error; the statement is then reset.
  bool step();
  void reset();  // ready to bind and run again

  std::string_view text(int column) const;  // columns count from 0
  std::string_view blob(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  // Rows the connection's last finished INSERT, UPDATE or DELETE changed.
  int changes() const;

 private:
  sqlite_api::sqlite3 *connection_;
  sqlite_api::sqlite3_stmt *statement_ = nullptr;
};

// Many reads as one read transaction, when the connection is not in a transaction already:
// SQLite otherwise begins and ends one (locks, WAL index, file checks) for every statement.
class SqliteReadScope {
 public:
  explicit SqliteReadScope(soci::session &session);
  ~SqliteReadScope();
  SqliteReadScope(const SqliteReadScope &) = delete;
  SqliteReadScope &operator=(const SqliteReadScope &) = delete;

 private:
  sqlite_api::sqlite3 *connection_;
  bool began_ = false;
};

// Sets SQLite up for this process before any connection opens: no global memory
// statistics (a lock on every allocation, contended once runs use several threads) and no
// per-connection locks (each connection, the host's or a plugin's, is used by one thread
// at a time). Call first thing in main().
void configure_sqlite_library();

// Whether a session's backend is SQLite, where SqliteStatement applies.
bool is_sqlite(soci::session &session);

}  // namespace junction::store
