// Statements prepared once on the SQLite connection under a SOCI session and kept while a
// sink lives: binding by position to a prepared statement is what makes writing row by row
// as fast as SQLite's own import.
#pragma once

#include <string>
#include <unordered_map>

#include <soci/sqlite3/soci-sqlite3.h>

namespace soci {
class session;
}

namespace junction::sql {

class SqliteStatements {
 public:
  explicit SqliteStatements(soci::session &session);
  ~SqliteStatements();
  SqliteStatements(const SqliteStatements &) = delete;
  SqliteStatements &operator=(const SqliteStatements &) = delete;

  // The prepared statement for `sql`, reset and ready to bind. Throws junction::FatalError
  // when SQLite cannot prepare it (a statement the sink built is wrong for the table).
  sqlite_api::sqlite3_stmt *get(const std::string &sql);
  sqlite_api::sqlite3 *connection() const { return connection_; }

 private:
  sqlite_api::sqlite3 *connection_;
  std::unordered_map<std::string, sqlite_api::sqlite3_stmt *> prepared_;
};

}  // namespace junction::sql
