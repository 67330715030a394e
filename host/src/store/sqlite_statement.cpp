#include "store/sqlite_statement.hpp"

#include <stdexcept>

#include <soci/soci.h>

namespace junction::store {

using namespace sqlite_api;

SqliteStatement::SqliteStatement(soci::session &session, const std::string &sql)
    : connection_(static_cast<soci::sqlite3_session_backend *>(session.get_backend())->conn_) {
  if (sqlite3_prepare_v3(connection_, sql.c_str(), static_cast<int>(sql.size() + 1),
                         SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(connection_);
    sqlite3_finalize(statement_);
    throw std::runtime_error("the state store cannot prepare a statement: " + message);
  }
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(statement_);
}

void SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void SqliteStatement::bind(int index, std::int64_t number) {
  sqlite3_bind_int64(statement_, index, number);
}

void SqliteStatement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(statement_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
}

void SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(statement_, index);
}

bool SqliteStatement::step() {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  const std::string message = sqlite3_errmsg(connection_);
  sqlite3_reset(statement_);
  throw std::runtime_error("the state store failed: " + message);
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_);
}

std::string_view SqliteStatement::text(int column) const {
  const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(statement_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::string_view SqliteStatement::blob(int column) const {
  const auto *data = static_cast<const char *>(sqlite3_column_blob(statement_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::int64_t SqliteStatement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

int SqliteStatement::changes() const {
  return sqlite3_changes(connection_);
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

SqliteReadScope::SqliteReadScope(soci::session &session)
    : connection_(static_cast<soci::sqlite3_session_backend *>(session.get_backend())->conn_) {
  if (sqlite3_get_autocommit(connection_) != 0) {
    began_ = sqlite3_exec(connection_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
}

SqliteReadScope::~SqliteReadScope() {
  if (began_) sqlite3_exec(connection_, "COMMIT", nullptr, nullptr, nullptr);
}

void configure_sqlite_library() {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

bool is_sqlite(soci::session &session) {
  return session.get_backend_name() == "sqlite3";
}

}  // namespace junction::store
