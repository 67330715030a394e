#include "sqlite_statements.hpp"

#include <soci/soci.h>

#include <junction/errors.hpp>

namespace junction::sql {

SqliteStatements::SqliteStatements(soci::session &session)
    : connection_(static_cast<soci::sqlite3_session_backend *>(session.get_backend())->conn_) {}

SqliteStatements::~SqliteStatements() {
  for (auto &[sql, statement] : prepared_) sqlite_api::sqlite3_finalize(statement);
}

sqlite_api::sqlite3_stmt *SqliteStatements::get(const std::string &sql) {
  const auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  sqlite_api::sqlite3_stmt *statement = nullptr;
  if (sqlite_api::sqlite3_prepare_v3(connection_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                     SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
    const std::string message = sqlite_api::sqlite3_errmsg(connection_);
    sqlite_api::sqlite3_finalize(statement);
    throw FatalError("cannot prepare a statement: " + message);
  }
  prepared_.emplace(sql, statement);
  return statement;
}

}  // namespace junction::sql
