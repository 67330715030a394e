// Writes records into a table inside one transaction per checkpoint: upsert (INSERT ... ON
// CONFLICT DO UPDATE on both SQLite and PostgreSQL), insert-only or update-only; deletes
// hard or as a soft-delete column. Each record runs under its own savepoint, so a record
// that breaks a constraint fails alone and the rest of the batch commits.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <soci/soci-backend.h>

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
  // One record ready to run: its statement and the text of its parameters.
  struct Plan {
    std::size_t record = 0;
    std::string sql;
    std::vector<std::size_t> fields;
    std::vector<std::string> texts;
    std::vector<soci::indicator> nulls;
    bool bulk = false;      // a plain upsert or insert that can share a multi-row statement
    std::string signature;  // the columns it sets, for grouping
  };

  const Column *column(const std::string &name) const;
  std::string statement_for(const BatchView &batch, const RecordView &record,
                            std::vector<std::size_t> &fields);
  bool plan(const BatchView &batch, std::size_t record, Plan &out, Outcomes &outcomes);
  void run_single(const Plan &plan, const BatchView &batch, Outcomes &outcomes);
  bool run_bulk(const std::vector<Plan> &plans, const BatchView &batch);
  bool run_bulk_sqlite(const std::vector<Plan> &plans);
  bool run_bulk_copy(const std::vector<Plan> &plans, const BatchView &batch);
  std::map<std::string, std::string> stages_;  // column list -> staging table (PostgreSQL)
  void begin_if_needed();
  void undo_to(const char *savepoint);
  [[noreturn]] void connection_lost(const std::exception &e);

  Database &db_;
  EntitySettings settings_;
  std::vector<std::string> key_;
  std::vector<Column> columns_;
  bool in_transaction_ = false;
  bool broken_ = false;  // the connection failed inside the open transaction
};

}  // namespace junction::sql
