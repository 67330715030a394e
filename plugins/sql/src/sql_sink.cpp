#include "sql_sink.hpp"

#include <algorithm>
#include <functional>

#include <libpq-fe.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <junction/errors.hpp>
#include <junction/value_text.hpp>

namespace junction::sql {

SqlSink::SqlSink(Database &db, const EntitySettings &settings, const SinkRequest &request)
    : db_(db), settings_(settings), key_(settings.key.empty() ? request.key_fields : settings.key) {
  if (key_.empty()) throw ConfigError("entity '" + settings_.name + "' needs a key to write");
  try {
    columns_ = read_columns(db_, settings_.table);
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    throw TransientError("cannot read the columns of " + settings_.table + ": " + describe(e));
  }
  for (const auto &k : key_) {
    if (column(k) == nullptr)
      throw ConfigError("table " + settings_.table + " has no key column '" + k + "'");
  }
}

SqlSink::~SqlSink() {
  if (in_transaction_ && !broken_) {
    try {
      *db_.session << "ROLLBACK";
    } catch (const std::exception &) {
      // Nothing more can be done; the database rolls back on disconnect anyway.
    }
  }
}

const Column *SqlSink::column(const std::string &name) const {
  const auto it = std::find_if(columns_.begin(), columns_.end(),
                               [&](const Column &c) { return c.name == name; });
  return it == columns_.end() ? nullptr : &*it;
}

// Undoes what ran since the savepoint; if even that fails, the transaction is gone.
void SqlSink::undo_to(const char *savepoint) {
  try {
    *db_.session << std::string("ROLLBACK TO SAVEPOINT ") + savepoint;
    *db_.session << std::string("RELEASE SAVEPOINT ") + savepoint;
  } catch (const std::exception &e) {
    broken_ = true;
    throw TransientError("the database transaction failed: " + describe(e));
  }
}

void SqlSink::connection_lost(const std::exception &e) {
  broken_ = true;
  throw TransientError("the connection to the database was lost: " + describe(e));
}

void SqlSink::begin_if_needed() {
  if (in_transaction_) return;
  *db_.session << (db_.dialect == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  in_transaction_ = true;
}

// The statement for one record; `fields` gets the batch fields bound, in order. Fields the
// record does not carry (absent) are left as they are in the table.
std::string SqlSink::statement_for(const BatchView &batch, const RecordView &record,
                                   std::vector<std::size_t> &fields) {
  fields.clear();
  const std::string table = db_.quote(settings_.table);
  std::string where;
  auto key_condition = [&] {
    where.clear();
    for (std::size_t k = 0; k < key_.size(); ++k) {
      where += (k ? " AND " : "") + db_.quote(key_[k]) + " = :k" + std::to_string(k);
      fields.push_back(batch.field_index(key_[k]));
    }
  };
  if (record.operation() == Operation::remove) {
    if (!settings_.soft_delete_column.empty()) {
      const std::string now =
          db_.dialect == Dialect::sqlite ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" : "now()";
      key_condition();
      return "UPDATE " + table + " SET " + db_.quote(settings_.soft_delete_column) + " = " + now +
             " WHERE " + where;
    }
    key_condition();
    return "DELETE FROM " + table + " WHERE " + where;
  }
  std::vector<std::size_t> present;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    if (record.value(f).is_absent()) continue;
    if (column(std::string(batch.field_name(f))) == nullptr) {
      throw ConfigError("table " + settings_.table + " has no column '" +
                        std::string(batch.field_name(f)) + "'");
    }
    present.push_back(f);
  }
  auto is_key = [&](std::size_t f) {
    return std::find(key_.begin(), key_.end(), batch.field_name(f)) != key_.end();
  };
  if (settings_.write_mode == WriteMode::update) {
    std::string set;
    for (const auto f : present) {
      if (is_key(f)) continue;
      set += (set.empty() ? "" : ", ") + db_.quote(std::string(batch.field_name(f))) + " = :v" +
             std::to_string(fields.size());
      fields.push_back(f);
    }
    if (set.empty()) throw RecordError("nothing to update besides the key");
    key_condition();
    return "UPDATE " + table + " SET " + set + " WHERE " + where;
  }
  std::string names;
  std::string params;
  std::string updates;
  for (const auto f : present) {
    const std::string name = db_.quote(std::string(batch.field_name(f)));
    names += (names.empty() ? "" : ", ") + name;
    params += (params.empty() ? ":v" : ", :v") + std::to_string(fields.size());
    fields.push_back(f);
    if (!is_key(f)) updates += (updates.empty() ? "" : ", ") + name + " = excluded." + name;
  }
  std::string sql = "INSERT INTO " + table + " (" + names + ") VALUES (" + params + ")";
  if (settings_.write_mode == WriteMode::upsert) {
    std::string conflict;
    for (const auto &k : key_) conflict += (conflict.empty() ? "" : ", ") + db_.quote(k);
    sql += " ON CONFLICT (" + conflict + ") DO " +
           (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  }
  return sql;
}

// Turns record `record` into a Plan; a record that cannot be written is rejected here.
bool SqlSink::plan(const BatchView &batch, std::size_t record, Plan &out, Outcomes &outcomes) {
  const RecordView r = batch.record(record);
  out.record = record;
  try {
    out.sql = statement_for(batch, r, out.fields);
  } catch (const RecordError &e) {
    outcomes.rejected(record, e.what());
    return false;
  }
  out.texts.assign(out.fields.size(), std::string());
  out.nulls.assign(out.fields.size(), soci::i_ok);
  out.signature.clear();
  for (std::size_t p = 0; p < out.fields.size(); ++p) {
    if (out.fields[p] == BatchView::npos) {
      outcomes.rejected(record, "the record has no value for a key field");
      return false;
    }
    out.signature += std::to_string(out.fields[p]) + ",";
    const Value v = r.value(out.fields[p]);
    if (v.is_null() || v.is_absent()) {
      out.nulls[p] = soci::i_null;
      continue;
    }
    if (v.type() == ValueType::boolean && db_.dialect == Dialect::sqlite) {
      out.texts[p] = v.as_bool() ? "1" : "0";
    } else {
      append_value_text(out.texts[p], v);
    }
    if (auto misfit =
            check_fits(*column(std::string(batch.field_name(out.fields[p]))), v, out.texts[p])) {
      outcomes.rejected(record, *misfit);
      return false;
    }
  }
  out.bulk = r.operation() == Operation::upsert && settings_.write_mode != WriteMode::update;
  return true;
}

// One statement for many rows, under one savepoint: the fast path for clean batches.
// False when the database refused it; nothing of it is then applied.
// SQLite: the one-row statement, prepared once and run for every row with bound vectors.
bool SqlSink::run_bulk_sqlite(const std::vector<Plan> &plans) {
  const Plan &first = plans.front();
  const std::size_t params = first.fields.size();
  std::vector<std::vector<std::string>> texts(params);
  std::vector<std::vector<soci::indicator>> nulls(params);
  for (std::size_t p = 0; p < params; ++p) {
    texts[p].reserve(plans.size());
    nulls[p].reserve(plans.size());
    for (const auto &plan : plans) {
      texts[p].push_back(plan.texts[p]);
      nulls[p].push_back(plan.nulls[p]);
    }
  }
  try {
    *db_.session << "SAVEPOINT junction_batch";
    soci::statement st(*db_.session);
    st.alloc();
    st.prepare(first.sql);
    for (std::size_t p = 0; p < params; ++p) st.exchange(soci::use(texts[p], nulls[p]));
    st.define_and_bind();
    st.execute(true);
    *db_.session << "RELEASE SAVEPOINT junction_batch";
    return true;
  } catch (const std::exception &e) {
    undo_to("junction_batch");
    (void)e;
    return false;
  }
}

namespace {

// One value in COPY's text format: backslash escapes, \N for null.
void append_copy_text(std::string &out, const std::string &text) {
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

}  // namespace

// PostgreSQL: COPY the rows into a temporary staging table, then one INSERT ... SELECT ...
// ON CONFLICT moves them into the table. Far fewer round trips and no statement to parse
// per batch.
bool SqlSink::run_bulk_copy(const std::vector<Plan> &plans, const BatchView &batch) {
  const Plan &first = plans.front();
  std::string columns;
  for (const auto f : first.fields) {
    columns += (columns.empty() ? "" : ", ") + db_.quote(std::string(batch.field_name(f)));
  }
  PGconn *conn = static_cast<soci::postgresql_session_backend *>(db_.session->get_backend())->conn_;
  try {
    auto stage = stages_.find(columns);
    if (stage == stages_.end()) {
      // Named after its columns: a connection may outlive this sink and keep the table.
      const std::string name =
          "junction_stage_" +
          std::to_string(std::hash<std::string>{}(settings_.table + "|" + columns));
      *db_.session << "CREATE TEMPORARY TABLE IF NOT EXISTS " + name + " AS SELECT " + columns +
                          " FROM " + db_.quote(settings_.table) + " WITH NO DATA";
      stage = stages_.emplace(columns, name).first;
    }
    const std::string &name = stage->second;
    *db_.session << "SAVEPOINT junction_batch";
    *db_.session << "TRUNCATE " + name;
    PGresult *started = PQexec(conn, ("COPY " + name + " (" + columns + ") FROM STDIN").c_str());
    const bool copying = PQresultStatus(started) == PGRES_COPY_IN;
    PQclear(started);
    if (!copying) throw TransientError(std::string("COPY did not start: ") + PQerrorMessage(conn));
    std::string data;
    for (const auto &p : plans) {
      for (std::size_t i = 0; i < p.texts.size(); ++i) {
        if (i > 0) data.push_back('\t');
        if (p.nulls[i] == soci::i_null) {
          data += "\\N";
        } else {
          append_copy_text(data, p.texts[i]);
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
    bool copied = true;
    std::string copy_error;
    while (PGresult *r = PQgetResult(conn)) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        copied = false;
        copy_error = PQresultErrorMessage(r);
      }
      PQclear(r);
    }
    if (!copied) throw std::runtime_error(copy_error);
    // The INSERT of the one-row statement, fed by the staging table instead of VALUES.
    const auto values_at = first.sql.find(" VALUES (");
    const auto values_end = first.sql.find(')', values_at + 9);
    *db_.session << first.sql.substr(0, values_at) + " SELECT " + columns + " FROM " + name +
                        first.sql.substr(values_end + 1);
    *db_.session << "RELEASE SAVEPOINT junction_batch";
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

bool SqlSink::run_bulk(const std::vector<Plan> &plans, const BatchView &batch) {
  const Plan &first = plans.front();
  if (db_.dialect == Dialect::sqlite) return run_bulk_sqlite(plans);
  return run_bulk_copy(plans, batch);
  const auto values_at = first.sql.find(" VALUES (");
  const auto values_end = first.sql.find(')', values_at + 9);
  const std::string head = first.sql.substr(0, values_at);
  const std::string tail = first.sql.substr(values_end + 1);
  std::string sql = head + " VALUES ";
  std::size_t param = 0;
  for (std::size_t r = 0; r < plans.size(); ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t p = 0; p < first.fields.size(); ++p) {
      sql += (p ? ", :b" : ":b") + std::to_string(param++);
    }
    sql += ")";
  }
  sql += tail;
  (void)batch;
  try {
    *db_.session << "SAVEPOINT junction_batch";
    soci::statement st(*db_.session);
    st.alloc();
    st.prepare(sql);
    for (const auto &p : plans) {
      for (std::size_t i = 0; i < p.fields.size(); ++i) {
        st.exchange(soci::use(const_cast<std::string &>(p.texts[i]),
                              const_cast<soci::indicator &>(p.nulls[i])));
      }
    }
    st.define_and_bind();
    st.execute(true);
    *db_.session << "RELEASE SAVEPOINT junction_batch";
    return true;
  } catch (const std::exception &e) {
    if (classify(e) == Failure::connection) {
      connection_lost(e);
    }
    undo_to("junction_batch");
    return false;
  }
}

void SqlSink::run_single(const Plan &plan, const BatchView &batch, Outcomes &outcomes) {
  const RecordView record = batch.record(plan.record);
  const std::size_t i = plan.record;
  try {
    *db_.session << "SAVEPOINT junction_record";
    soci::statement st(*db_.session);
    st.alloc();
    st.prepare(plan.sql);
    for (std::size_t p = 0; p < plan.fields.size(); ++p) {
      st.exchange(soci::use(const_cast<std::string &>(plan.texts[p]),
                            const_cast<soci::indicator &>(plan.nulls[p])));
    }
    st.define_and_bind();
    st.execute(true);
    const long long affected = st.get_affected_rows();
    *db_.session << "RELEASE SAVEPOINT junction_record";
    if (record.operation() == Operation::remove) {
      outcomes.written(i, WriteAction::deleted);
    } else if (settings_.write_mode == WriteMode::update && affected == 0) {
      outcomes.rejected(i, "no row in " + settings_.table +
                               " has this key, and this entity "
                               "only updates");
    } else {
      outcomes.written(i, WriteAction::created);
    }
  } catch (const std::exception &e) {
    const Failure f = classify(e);
    if (f == Failure::connection) {
      connection_lost(e);
    }
    undo_to("junction_record");
    if (f == Failure::fatal)
      throw FatalError("cannot write to " + settings_.table + ": " + describe(e));
    if (f == Failure::transient) {
      outcomes.transient(i, describe(e));
    } else {
      outcomes.rejected(i, describe(e));
    }
  }
}

void SqlSink::write(const BatchView &batch, Outcomes &outcomes) {
  if (broken_) {
    throw TransientError(
        "the connection to the database was lost during this run; its "
        "uncommitted writes are gone and will be sent again");
  }
  try {
    begin_if_needed();
  } catch (const std::exception &e) {
    broken_ = classify(e) == Failure::connection;
    throw TransientError("cannot start a transaction: " + describe(e));
  }
  // Consecutive rows setting the same columns go together: through COPY on PostgreSQL, one
  // statement over bound vectors on SQLite.
  std::vector<Plan> group;
  auto flush = [&] {
    if (group.empty()) return;
    if (group.size() > 1 && run_bulk(group, batch)) {
      for (const auto &p : group) outcomes.written(p.record, WriteAction::created);
    } else {
      // One by one, to find the records the database refuses and keep the others.
      for (const auto &p : group) run_single(p, batch, outcomes);
    }
    group.clear();
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Plan p;
    if (!plan(batch, i, p, outcomes)) continue;
    if (!p.bulk) {
      flush();
      run_single(p, batch, outcomes);
      continue;
    }
    if (!group.empty() && group.front().signature != p.signature) {
      flush();
    }
    group.push_back(std::move(p));
  }
  flush();
}

void SqlSink::commit() {
  if (broken_) {
    throw TransientError(
        "the connection to the database was lost during this run; its "
        "uncommitted writes are gone and will be sent again");
  }
  if (!in_transaction_) return;
  try {
    *db_.session << "COMMIT";
    in_transaction_ = false;
  } catch (const std::exception &e) {
    broken_ = true;
    throw TransientError("cannot commit to " + settings_.table + ": " + describe(e));
  }
}

}  // namespace junction::sql
