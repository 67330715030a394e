// Writes records into a table inside one transaction per checkpoint: upsert (INSERT ... ON
// CONFLICT DO UPDATE on both SQLite and PostgreSQL), insert-only or update-only; deletes
// hard or as a soft-delete column. A record that breaks a constraint fails alone and the
// rest of the batch commits. A record stating what its row should still hold is written
// only while it does (sql_sink_expectations.cpp).
//
// Records setting the same columns the same way share a Shape: one statement, built once
// per batch. On SQLite every record runs that statement, prepared once per sink (SQLite
// undoes a failed statement by itself). On PostgreSQL consecutive records of one shape go
// through COPY into a staging table and one INSERT ... SELECT; when the database refuses
// that, they are written one by one under savepoints to find the records at fault.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <junction/connector.hpp>
#include <junction/early_writeback.hpp>

#include "sql_settings.hpp"
#include "sqlite_statements.hpp"
#include "table_columns.hpp"

struct pg_conn;

namespace junction::sql {

class SqlSink : public Sink {
 public:
  SqlSink(Database &db, const EntitySettings &settings, const SinkRequest &request);
  ~SqlSink() override;
  void write(const BatchView &batch, Outcomes &outcomes) override;
  void commit() override;

 private:
  struct Shape {
    Operation operation = Operation::upsert;
    std::vector<std::size_t> fields;  // batch fields bound, in parameter order
    std::vector<const Column *> columns;
    std::string sql;                   // with :p0, :p1, ... parameters
    std::string insert_head;           // "INSERT INTO t (a, b)" for bulk shapes
    std::string insert_tail;           // " ON CONFLICT ..." for bulk shapes
    std::string column_list;           // "a, b" for bulk shapes
    bool bulk = false;                 // a plain upsert or insert, which COPY can carry
    const char *unwritable = nullptr;  // why no record of this shape can be written
  };
  struct Param {
    std::size_t offset = 0;
    std::size_t size = 0;
    bool null = false;
  };
  // A record ready to run: its shape and where its parameters start in params_.
  struct Row {
    std::size_t record = 0;
    std::size_t shape = 0;
    std::size_t first_param = 0;
  };

  const Column *column(std::string_view name) const;
  std::size_t shape_of(const BatchView &batch, const RecordView &record);
  Shape make_shape(const BatchView &batch, const RecordView &record) const;
  bool render(const BatchView &batch, std::size_t record, Outcomes &outcomes, Row &row);
  std::string_view param_text(const Param &p) const { return {text_.data() + p.offset, p.size}; }
  // `inserted`: the row is known to be new (COPYed into the table).
  void report_written(const Row &row, long long affected, Outcomes &outcomes,
                      bool inserted = false) const;

  void write_sqlite(const BatchView &batch, Outcomes &outcomes);
  void write_postgresql(const BatchView &batch, Outcomes &outcomes);
  // `inserted`: the rows went straight in by COPY, so each is new to the table.
  bool copy_rows(const std::vector<Row> &rows, bool &inserted);
  std::string copy_into(pg_conn *conn, const std::string &table, const std::vector<Row> &rows);
  void run_single(const Row &row, Outcomes &outcomes);

  // Conditional writes (sql_sink_expectations.cpp).
  void check_expectations(const BatchView &batch, Outcomes &outcomes);
  std::optional<std::vector<std::pair<std::string, bool>>> read_row(
      const std::vector<const Column *> &columns, const std::vector<std::string> &key);

  void begin_if_needed();
  void undo_to(const char *savepoint);
  [[noreturn]] void connection_lost(const std::exception &e);

  Database &db_;
  EntitySettings settings_;
  std::vector<std::string> key_;
  std::vector<Column> columns_;
  std::unique_ptr<SqliteStatements> statements_;  // SQLite only
  // SQLite: the database file and its WAL (when it has one) are written out as the
  // transaction fills them, not all at the commit.
  std::vector<std::unique_ptr<EarlyWriteback>> writeback_;
  std::map<std::string, std::string> stages_;  // column list -> staging table (PostgreSQL)
  bool copy_direct_ = true;  // PostgreSQL: new rows may still go straight into the table
  bool in_transaction_ = false;
  bool broken_ = false;  // the transaction failed or the connection was lost inside it

  // Per batch: the shapes seen, keyed by operation and which fields are present.
  std::vector<Shape> shapes_;
  std::unordered_map<std::string, std::size_t> shape_index_;
  std::string shape_key_;
  std::vector<Param> params_;
  std::string text_;        // every parameter's text, back to back
  std::vector<bool> skip_;  // per record: stale, left out of the write
};

}  // namespace junction::sql
