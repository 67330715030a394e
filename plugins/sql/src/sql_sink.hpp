// Writes records into a table inside one transaction per checkpoint: upsert (INSERT ... ON
// CONFLICT DO UPDATE on both SQLite and PostgreSQL), insert-only or update-only; deletes
// hard or as a soft-delete column. Each record runs under its own savepoint, so a record
// that breaks a constraint fails alone and the rest of the batch commits.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <junction/connector.hpp>

#include "sql_settings.hpp"
#include "table_columns.hpp"

namespace soci {
class statement;
}

namespace junction::sql {

class SqlSink : public Sink {
 public:
  SqlSink(Database &db, const EntitySettings &settings, const SinkRequest &request);
  ~SqlSink() override;
  void write(const BatchView &batch, Outcomes &outcomes) override;
  void commit() override;

 private:
  const Column *column(const std::string &name) const;
  std::string statement_for(const BatchView &batch, const RecordView &record,
                            std::vector<std::size_t> &fields);
  void begin_if_needed();

  Database &db_;
  EntitySettings settings_;
  std::vector<std::string> key_;
  std::vector<Column> columns_;
  bool in_transaction_ = false;
  bool broken_ = false;  // the connection failed inside the open transaction
};

}  // namespace junction::sql
