// Waiting for a database to change between runs: LISTEN junction_changes on PostgreSQL (the
// capture triggers NOTIFY it with the table's name), PRAGMA data_version on SQLite (it moves
// when another connection commits).
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "sql_database.hpp"

namespace junction::sql {

class ChangeWatch {
 public:
  // True when `table` may have changed within `timeout`; false on timeout.
  bool wait(Database &db, const std::string &table, std::chrono::milliseconds timeout);

 private:
  bool listening_ = false;
  std::set<std::string> notified_;  // tables notified but not yet waited for
  long long data_version_ = -1;
};

}  // namespace junction::sql
