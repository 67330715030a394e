// Reads a table in key order, or incrementally after a cursor: ordered by the cursor
// columns and then the key, resuming strictly after the last (cursor, key) read, so rows
// sharing one timestamp are neither skipped at a batch boundary nor read again.
#pragma once

#include <string>
#include <vector>

#include <junction/connector.hpp>

#include "sql_settings.hpp"
#include "table_columns.hpp"

namespace junction::sql {

class SqlSource : public Source {
 public:
  SqlSource(Database &db, const EntitySettings &settings, const SourceRequest &request);
  void next(SourceBatch &out) override;

 private:
  Database &db_;
  EntitySettings settings_;
  std::uint32_t batch_size_;
  std::vector<Column> columns_;
  std::vector<std::string> order_;        // cursor columns, then key columns
  std::vector<std::size_t> order_index_;  // their positions in columns_
  std::vector<std::string> last_;         // values of order_ in the last row read
  bool incremental_;
  std::string relation_;  // the table, or the query as a subquery
  bool first_page_ = true;
};

}  // namespace junction::sql
