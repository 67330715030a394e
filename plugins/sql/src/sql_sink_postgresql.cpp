// PostgreSQL: consecutive records of one shape are COPYed into a temporary staging table
// and moved into the table by one INSERT ... SELECT ... ON CONFLICT: few round trips and no
// statement to parse per record. When the database refuses the batch, its records are
// written one by one under savepoints, so that only those at fault fail.
#include <libpq-fe.h>

#include <functional>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <junction/errors.hpp>

#include "sql_sink.hpp"

namespace junction::sql {
namespace {

// One value in COPY's text format: backslash escapes, \N for null.
void append_copy_text(std::string &out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
}

// Runs statements separated by semicolons in one round trip; throws with the server's
// message when one fails (those after it do not run).
void run_together(PGconn *conn, const std::string &sql) {
  PGresult *result = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  const std::string message = ok ? std::string() : PQresultErrorMessage(result);
  PQclear(result);
  if (!ok) throw std::runtime_error(message);
}

}  // namespace

void SqlSink::write_postgresql(const BatchView &batch, Outcomes &outcomes) {
  std::vector<Row> group;
  auto flush = [&] {
    if (group.empty()) return;
    bool inserted = false;
    if (group.size() > 1 && copy_rows(group, inserted)) {
      for (const auto &row : group) report_written(row, 1, outcomes, inserted);
    } else {
      for (const auto &row : group) run_single(row, outcomes);
    }
    group.clear();
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Row row;
    if (!render(batch, i, outcomes, row)) continue;
    if (!shapes_[row.shape].bulk) {
      flush();
      run_single(row, outcomes);
      continue;
    }
    if (!group.empty() && group.front().shape != row.shape) flush();
    group.push_back(row);
  }
  flush();
}

// COPYs the rows' parameters into `table`; the server's message when it refuses them.
std::string SqlSink::copy_into(PGconn *conn, const std::string &table,
                               const std::vector<Row> &rows) {
  const Shape &shape = shapes_[rows.front().shape];
  PGresult *started =
      PQexec(conn, ("COPY " + table + " (" + shape.column_list + ") FROM STDIN").c_str());
  const ExecStatusType status = PQresultStatus(started);
  const std::string refusal = status == PGRES_COPY_IN ? "" : PQresultErrorMessage(started);
  PQclear(started);
  if (status != PGRES_COPY_IN) return "COPY did not start: " + refusal;
  std::string data;
  for (const auto &row : rows) {
    for (std::size_t p = 0; p < shape.fields.size(); ++p) {
      if (p > 0) data.push_back('\t');
      const Param &param = params_[row.first_param + p];
      if (param.null) {
        data += "\\N";
      } else {
        append_copy_text(data, param_text(param));
      }
    }
    data.push_back('\n');
    if (data.size() > (1U << 20)) {
      PQputCopyData(conn, data.data(), static_cast<int>(data.size()));
      data.clear();
    }
  }
  if (!data.empty()) PQputCopyData(conn, data.data(), static_cast<int>(data.size()));
  PQputCopyEnd(conn, nullptr);
  std::string error;
  while (PGresult *r = PQgetResult(conn)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  return error;
}

// False when the database refused the rows; nothing of them is then applied.
bool SqlSink::copy_rows(const std::vector<Row> &rows, bool &inserted) {
  const Shape &shape = shapes_[rows.front().shape];
  PGconn *conn = static_cast<soci::postgresql_session_backend *>(db_.session->get_backend())->conn_;
  try {
    // Rows new to the table go straight in, as fast as COPY itself. The first batch that
    // meets a row already there turns this off for the rest of the run: from then on rows
    // go through the staging table and its upsert.
    if (copy_direct_) {
      run_together(conn, "SAVEPOINT junction_batch");
      const std::string refusal = copy_into(conn, db_.quote(settings_.table), rows);
      if (refusal.empty()) {
        run_together(conn, "RELEASE SAVEPOINT junction_batch");
        inserted = true;
        return true;
      }
      copy_direct_ = false;
      undo_to("junction_batch");
    }
    auto stage = stages_.find(shape.column_list);
    if (stage == stages_.end()) {
      // Named after its columns: a connection may outlive this sink and keep the table.
      const std::string name =
          "junction_stage_" +
          std::to_string(std::hash<std::string>{}(settings_.table + "|" + shape.column_list));
      *db_.session << "CREATE TEMPORARY TABLE IF NOT EXISTS " + name + " AS SELECT " +
                          shape.column_list + " FROM " + db_.quote(settings_.table) +
                          " WITH NO DATA";
      stage = stages_.emplace(shape.column_list, name).first;
    }
    const std::string &name = stage->second;
    run_together(conn, "SAVEPOINT junction_batch; TRUNCATE " + name);
    if (const std::string refusal = copy_into(conn, name, rows); !refusal.empty()) {
      throw std::runtime_error(refusal);
    }
    run_together(conn, shape.insert_head + " SELECT " + shape.column_list + " FROM " + name +
                           shape.insert_tail + "; RELEASE SAVEPOINT junction_batch");
    return true;
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    if (PQstatus(conn) != CONNECTION_OK || classify(e) == Failure::connection) {
      connection_lost(e);
    }
    undo_to("junction_batch");
    return false;
  }
}

void SqlSink::run_single(const Row &row, Outcomes &outcomes) {
  const Shape &shape = shapes_[row.shape];
  std::vector<std::string> texts(shape.fields.size());
  std::vector<soci::indicator> nulls(shape.fields.size(), soci::i_ok);
  for (std::size_t p = 0; p < shape.fields.size(); ++p) {
    const Param &param = params_[row.first_param + p];
    if (param.null) {
      nulls[p] = soci::i_null;
    } else {
      texts[p] = param_text(param);
    }
  }
  try {
    *db_.session << "SAVEPOINT junction_record";
    soci::statement st(*db_.session);
    st.alloc();
    st.prepare(shape.sql);
    for (std::size_t p = 0; p < texts.size(); ++p) st.exchange(soci::use(texts[p], nulls[p]));
    st.define_and_bind();
    st.execute(true);
    const long long affected = st.get_affected_rows();
    *db_.session << "RELEASE SAVEPOINT junction_record";
    report_written(row, affected, outcomes);
  } catch (const std::exception &e) {
    const Failure f = classify(e);
    if (f == Failure::connection) {
      connection_lost(e);
    }
    undo_to("junction_record");
    if (f == Failure::fatal)
      throw FatalError("cannot write to " + settings_.table + ": " + describe(e));
    if (f == Failure::transient) {
      outcomes.transient(row.record, describe(e));
    } else {
      outcomes.rejected(row.record, describe(e));
    }
  }
}

}  // namespace junction::sql
