// A table's columns and their types, read from the database's catalog, and the rules for
// turning text into values of those types and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <junction/batch.hpp>
#include <junction/value.hpp>

#include "sql_database.hpp"

namespace junction::sql {

enum class ColumnType { integer, decimal, real, boolean, date, timestamp, json, text };

struct Column {
  std::string name;
  ColumnType type = ColumnType::text;
  std::string declared;         // the type as the catalog names it
  std::int64_t max_length = 0;  // characters, for varchar(n); 0 for no limit
  int integer_bytes = 8;        // 2, 4 or 8 for integers
  int precision = 0;            // numeric(p, s)
  int scale = 0;
};

// Throws junction::ConfigError when the table does not exist.
std::vector<Column> read_columns(Database &db, const std::string &table);

// The columns a read-only query returns, typed from what the driver reports.
std::vector<Column> query_columns(Database &db, const std::string &query);

// A value read as text, typed by its column. Text that does not parse stays a string.
struct TypedText {
  jn_value_type type;
  std::int64_t i64 = 0;
  double f64 = 0;
};
TypedText type_text(const Column &column, const std::string &text);

// "SELECT col::text AS c0, ..." for every column: read as text, typed afterwards, and aliased
// so that ORDER BY still sorts by the typed columns.
std::string select_as_text(const Database &db, const std::vector<Column> &columns);

// Sets field `field` of record `record` from a column's text (or null).
void set_from_text(BatchBuilder &records, std::size_t record, std::size_t field,
                   const Column &column, const std::string &text, bool null);

// Why `value` (as text) does not fit `column`, or nothing when it does.
std::optional<std::string> check_fits(const Column &column, const Value &value,
                                      std::string_view text);

// PostgreSQL's text types cannot hold a NUL byte (the server would refuse it, and COPY
// would cut the value short): why `text` cannot be written, or nothing.
std::optional<std::string> check_no_nul(const Column &column, std::string_view text);

}  // namespace junction::sql
