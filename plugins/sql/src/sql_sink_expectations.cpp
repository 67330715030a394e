// Conditional writes (jn_batch.expected): before a record that states what the row should
// still hold is written, the row is read inside the sink's transaction and compared, as the
// source would read it, with what the host expects. SQLite's sink holds the write lock from
// its BEGIN IMMEDIATE and PostgreSQL reads with FOR UPDATE, so nobody can change the row
// between the comparison and the write: the check and the write are one step.
#include <cstddef>

#include <soci/soci.h>

#include <junction/errors.hpp>
#include <junction/value_text.hpp>

#include "sql_sink.hpp"

namespace junction::sql {
namespace {

// A value's text as the host compares it: what the source would read, in canonical form.
std::string canonical(const Column &column, const std::string &text, bool null) {
  if (null) return {};
  const TypedText t = type_text(column, text);
  std::string out;
  switch (t.type) {
    case JN_INT64: append_value_text(out, Value::int64(t.i64)); break;
    case JN_DOUBLE: append_value_text(out, Value::float64(t.f64)); break;
    case JN_BOOL: append_value_text(out, Value::boolean(t.i64 != 0)); break;
    case JN_DATE: append_value_text(out, Value::date_days(t.i64)); break;
    case JN_TIMESTAMP: append_value_text(out, Value::timestamp_micros(t.i64)); break;
    default: out = text;
  }
  return out;
}

}  // namespace

// The row's current values for `columns` (as text), or nothing when no row has the key.
std::optional<std::vector<std::pair<std::string, bool>>> SqlSink::read_row(
    const std::vector<const Column *> &columns, const std::vector<std::string> &key) {
  std::vector<Column> selected;
  selected.reserve(columns.size());
  for (const Column *c : columns) selected.push_back(*c);
  std::string sql =
      select_as_text(db_, selected) + " FROM " + db_.quote(settings_.table) + " WHERE ";
  for (std::size_t k = 0; k < key_.size(); ++k) {
    sql += (k ? " AND " : "") + db_.quote(key_[k]) + " = :p" + std::to_string(k);
  }
  std::vector<std::pair<std::string, bool>> values;
  if (db_.dialect == Dialect::sqlite) {
    using namespace sqlite_api;
    sqlite3_stmt *statement = statements_->get(sql);
    for (std::size_t k = 0; k < key.size(); ++k) {
      sqlite3_bind_text(statement, static_cast<int>(k + 1), key[k].data(),
                        static_cast<int>(key[k].size()), SQLITE_STATIC);
    }
    const int result = sqlite3_step(statement);
    if (result == SQLITE_ROW) {
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const int i = static_cast<int>(c);
        const bool null = sqlite3_column_type(statement, i) == SQLITE_NULL;
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, i));
        values.emplace_back(
            null || text == nullptr
                ? std::string()
                : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, i))),
            null);
      }
    }
    const std::string message = sqlite3_errmsg(statements_->connection());
    sqlite3_reset(statement);
    if (result == SQLITE_DONE) return std::nullopt;
    if (result != SQLITE_ROW) throw TransientError("cannot read a row to compare: " + message);
    return values;
  }
  sql += " FOR UPDATE";
  std::vector<std::string> bound = key;
  soci::row row;
  soci::statement st(*db_.session);
  st.alloc();
  st.prepare(sql);
  for (auto &v : bound) st.exchange(soci::use(v));
  st.exchange(soci::into(row));
  st.define_and_bind();
  if (!st.execute(true)) return std::nullopt;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const bool null = row.get_indicator(c) == soci::i_null;
    values.emplace_back(null ? std::string() : row.get<std::string>(c), null);
  }
  return values;
}

// Answers JN_STALE for every record whose row no longer holds what the batch expects,
// and marks it to be left out of the write.
void SqlSink::check_expectations(const BatchView &batch, Outcomes &outcomes) {
  skip_.clear();
  // Flows state nothing: their batches skip this without looking at a record.
  constexpr std::size_t with_expected = offsetof(jn_batch, expected) + sizeof(const jn_value *);
  if (batch.raw().struct_size < with_expected || batch.raw().expected == nullptr) return;
  skip_.assign(batch.size(), false);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RecordView record = batch.record(i);
    if (!record.has_expectations()) continue;
    std::vector<const Column *> columns;
    std::vector<std::string> expected;
    std::vector<std::string> names;
    for (std::size_t f = 0; f < batch.field_count(); ++f) {
      const Value v = record.expected(f);
      if (v.is_absent()) continue;
      const Column *c = column(batch.field_name(f));
      if (c == nullptr) {
        throw ConfigError("table " + settings_.table + " has no column '" +
                          std::string(batch.field_name(f)) + "'");
      }
      columns.push_back(c);
      names.emplace_back(batch.field_name(f));
      expected.emplace_back();
      append_value_text(expected.back(), v);
    }
    std::vector<std::string> key;
    for (const auto &k : key_) {
      const std::size_t f = batch.field_index(k);
      key.emplace_back();
      if (f != BatchView::npos) append_value_text(key.back(), record.value(f));
    }
    std::optional<std::vector<std::pair<std::string, bool>>> row;
    try {
      row = read_row(columns, key);
    } catch (const Error &) {
      throw;
    } catch (const std::exception &e) {
      if (classify(e) == Failure::connection) connection_lost(e);
      throw TransientError("cannot read a row of " + settings_.table +
                           " to compare: " + describe(e));
    }
    if (!row) {
      outcomes.stale(i, "the row is no longer in " + settings_.table);
      skip_[i] = true;
      continue;
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (canonical(*columns[c], (*row)[c].first, (*row)[c].second) != expected[c]) {
        outcomes.stale(i, "'" + names[c] + "' changed in " + settings_.table +
                              " since it was read; nothing was written");
        skip_[i] = true;
        break;
      }
    }
  }
}

}  // namespace junction::sql
