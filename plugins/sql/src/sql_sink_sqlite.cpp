// SQLite: every record runs its shape's prepared statement with positional parameters.
// SQLite undoes a failed statement by itself, so a record at fault needs no savepoint.
#include <soci/soci.h>

#include <junction/errors.hpp>

#include "sql_sink.hpp"

namespace junction::sql {

void SqlSink::write_sqlite(const BatchView &batch, Outcomes &outcomes) {
  using namespace sqlite_api;
  sqlite3 *connection = statements_->connection();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    params_.clear();
    text_.clear();
    Row row;
    if (!render(batch, i, outcomes, row)) continue;
    const Shape &shape = shapes_[row.shape];
    sqlite3_stmt *statement = statements_->get(shape.sql);
    for (std::size_t p = 0; p < shape.fields.size(); ++p) {
      const Param &param = params_[row.first_param + p];
      const int index = static_cast<int>(p + 1);
      if (param.null) {
        sqlite3_bind_null(statement, index);
      } else {
        sqlite3_bind_text(statement, index, text_.data() + param.offset,
                          static_cast<int>(param.size), SQLITE_STATIC);
      }
    }
    const int result = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (result == SQLITE_DONE) {
      report_written(row, sqlite3_changes(connection), outcomes);
      continue;
    }
    const std::string message = sqlite3_errmsg(connection);
    if (sqlite3_get_autocommit(connection) != 0) {
      // Some errors (disk full, I/O) roll the whole transaction back.
      broken_ = true;
      in_transaction_ = false;
      if (classify_sqlite(result) == Failure::fatal) {
        throw FatalError("cannot write to " + settings_.table + ": " + message +
                         " (its transaction was rolled back; not retried)");
      }
      throw TransientError("the database transaction failed: " + message);
    }
    switch (classify_sqlite(result)) {
      case Failure::record: outcomes.rejected(i, message); break;
      case Failure::transient: outcomes.transient(i, message); break;
      default: throw FatalError("cannot write to " + settings_.table + ": " + message);
    }
  }
}

}  // namespace junction::sql
