// A connection to the database behind a sql connector, and what its errors mean.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <soci/session.h>

namespace junction::sql {

enum class Dialect { sqlite, postgresql };

struct Database {
  Dialect dialect = Dialect::sqlite;
  std::unique_ptr<soci::session> session;
  std::string file;  // SQLite: the database file's path

  std::string quote(const std::string &identifier) const;  // "name", with inner quotes doubled
};

// "sqlite:PATH" or "postgresql://..." (any libpq URL). Throws junction::TransientError
// when the database cannot be reached, junction::ConfigError for a malformed URL. No
// message ever holds the password.
// A SQLite file that does not exist is refused (junction::ConfigError) unless `create`.
Database connect(const std::string &url, const std::string &base_dir, bool create = false);

// What a failure means for the record or batch that caused it.
enum class Failure { record, transient, connection, fatal };
Failure classify(const std::exception &error);
// The same for an SQLite result code.
Failure classify_sqlite(int result_code);

// An error's text without passwords and without the driver's line breaks.
std::string describe(const std::exception &error);

}  // namespace junction::sql
