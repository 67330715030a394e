// Change capture without a timestamp column: triggers on a table write the key and the
// operation of every insert, update and delete into junction_changes; the source reads that
// log after its cursor (a sequence number), fetches the current rows, turns vanished keys
// into deletes, and trims what the host has acknowledged. On PostgreSQL each change also
// sends NOTIFY junction_changes, so a waiting reader wakes at once.
#pragma once

#include <string>
#include <vector>

#include <junction/connector.hpp>

#include "sql_settings.hpp"
#include "table_columns.hpp"

namespace junction::sql {

// Creates the change log and the table's triggers if they are missing. Idempotent.
void install_capture(Database &db, const std::string &table, const std::vector<std::string> &key);
bool capture_installed(Database &db, const std::string &table);

class ChangeLogSource : public Source {
 public:
  ChangeLogSource(Database &db, const EntitySettings &settings, const SourceRequest &request);
  void next(SourceBatch &out) override;
  void acknowledge(std::string_view cursor) override;

 private:
  Database &db_;
  EntitySettings settings_;
  std::vector<std::string> key_;
  std::vector<Column> columns_;
  std::vector<std::size_t> key_index_;
  std::uint32_t batch_size_;
  long long after_ = 0;
};

}  // namespace junction::sql
