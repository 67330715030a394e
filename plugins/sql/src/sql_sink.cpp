#include "sql_sink.hpp"

#include <algorithm>

#include <soci/soci.h>

#include <junction/errors.hpp>
#include <junction/value_text.hpp>

namespace junction::sql {
namespace {

// `list` ready for one more item: with `separator` after the items it has.
std::string &next_item(std::string &list, const char *separator) {
  if (!list.empty()) list += separator;
  return list;
}

}  // namespace

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
  if (db_.dialect == Dialect::sqlite) {
    statements_ = std::make_unique<SqliteStatements>(*db_.session);
    for (const char *suffix : {"", "-wal"}) {
      writeback_.push_back(std::make_unique<EarlyWriteback>(db_.file + suffix));
    }
  }
}

SqlSink::~SqlSink() {
  statements_.reset();  // finalized before the rollback, which they would otherwise hold up
  if (in_transaction_ && !broken_) {
    try {
      *db_.session << "ROLLBACK";
    } catch (const std::exception &) {
      // Nothing more can be done; the database rolls back on disconnect anyway.
    }
  }
}

const Column *SqlSink::column(std::string_view name) const {
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

// The shape of a record: its operation and which fields it carries (absent fields are left
// as they are in the table).
std::size_t SqlSink::shape_of(const BatchView &batch, const RecordView &record) {
  shape_key_.clear();
  shape_key_.push_back(static_cast<char>(record.operation()));
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    shape_key_.push_back(record.value(f).is_absent() ? '0' : '1');
  }
  const auto it = shape_index_.find(shape_key_);
  if (it != shape_index_.end()) return it->second;
  shapes_.push_back(make_shape(batch, record));
  shape_index_.emplace(shape_key_, shapes_.size() - 1);
  return shapes_.size() - 1;
}

SqlSink::Shape SqlSink::make_shape(const BatchView &batch, const RecordView &record) const {
  Shape s;
  s.operation = record.operation();
  const std::string table = db_.quote(settings_.table);
  auto param = [&](std::size_t field, const Column *c) {
    s.fields.push_back(field);
    s.columns.push_back(c);
    return ":p" + std::to_string(s.fields.size() - 1);
  };
  auto key_condition = [&] {
    std::string where;
    for (std::size_t k = 0; k < key_.size(); ++k) {
      const std::size_t f = batch.field_index(key_[k]);
      if (f == BatchView::npos) s.unwritable = "the record has no value for a key field";
      where += (k ? " AND " : "") + db_.quote(key_[k]) + " = " + param(f, column(key_[k]));
    }
    return where;
  };
  if (s.operation == Operation::remove) {
    if (!settings_.soft_delete_column.empty()) {
      const std::string now =
          db_.dialect == Dialect::sqlite ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" : "now()";
      s.sql = "UPDATE " + table + " SET " + db_.quote(settings_.soft_delete_column) + " = " + now +
              " WHERE " + key_condition();
    } else {
      s.sql = "DELETE FROM " + table + " WHERE " + key_condition();
    }
    return s;
  }
  std::vector<std::size_t> present;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    if (record.value(f).is_absent()) continue;
    if (column(batch.field_name(f)) == nullptr) {
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
      const std::string name(batch.field_name(f));
      next_item(set, ", ").append(db_.quote(name)).append(" = ").append(param(f, column(name)));
    }
    if (set.empty()) s.unwritable = "nothing to update besides the key";
    s.sql = "UPDATE " + table + " SET " + set + " WHERE " + key_condition();
    return s;
  }
  std::string params;
  std::string updates;
  std::string differs;
  for (const auto f : present) {
    const std::string name(batch.field_name(f));
    const std::string quoted = db_.quote(name);
    next_item(s.column_list, ", ") += quoted;
    next_item(params, ", ") += param(f, column(name));
    if (is_key(f)) continue;
    next_item(updates, ", ").append(quoted).append(" = excluded.").append(quoted);
    // Compared as text on PostgreSQL, where some types (json, xml) have no equality.
    std::string &differ = next_item(differs, " OR ").append("junction_target.").append(quoted);
    if (db_.dialect == Dialect::sqlite) {
      differ.append(" IS NOT excluded.").append(quoted);
    } else {
      differ.append("::text IS DISTINCT FROM excluded.").append(quoted).append("::text");
    }
  }
  s.insert_head = "INSERT INTO " + table + " AS junction_target (" + s.column_list + ")";
  if (settings_.write_mode == WriteMode::upsert) {
    std::string conflict;
    for (const auto &k : key_) next_item(conflict, ", ") += db_.quote(k);
    // A row that already holds these values is left alone: no new row version, no index
    // or trigger work, when a load meets data it already has (after its state was lost).
    s.insert_tail = " ON CONFLICT (" + conflict + ") DO " +
                    (updates.empty() ? "NOTHING" : "UPDATE SET " + updates + " WHERE " + differs);
  }
  s.sql = s.insert_head + " VALUES (" + params + ")" + s.insert_tail;
  s.bulk = !present.empty();
  return s;
}

// Appends record `record`'s parameters to params_ and text_; a record that cannot be
// written is rejected here and leaves nothing behind.
bool SqlSink::render(const BatchView &batch, std::size_t record, Outcomes &outcomes, Row &row) {
  if (!skip_.empty() && skip_[record]) return false;  // stale: answered already
  const RecordView r = batch.record(record);
  row = Row{record, shape_of(batch, r), params_.size()};
  const Shape &shape = shapes_[row.shape];
  if (shape.unwritable != nullptr) {
    outcomes.rejected(record, shape.unwritable);
    return false;
  }
  const std::size_t text_start = text_.size();
  for (std::size_t p = 0; p < shape.fields.size(); ++p) {
    const Value v = r.value(shape.fields[p]);
    if (v.is_null() || v.is_absent()) {
      params_.push_back(Param{0, 0, true});
      continue;
    }
    const std::size_t offset = text_.size();
    if (v.type() == ValueType::boolean && db_.dialect == Dialect::sqlite) {
      text_ += v.as_bool() ? "1" : "0";
    } else {
      append_value_text(text_, v);
    }
    params_.push_back(Param{offset, text_.size() - offset, false});
    auto misfit = check_fits(*shape.columns[p], v, param_text(params_.back()));
    if (!misfit && db_.dialect == Dialect::postgresql) {
      misfit = check_no_nul(*shape.columns[p], param_text(params_.back()));
    }
    if (misfit) {
      params_.resize(row.first_param);
      text_.resize(text_start);
      outcomes.rejected(record, *misfit);
      return false;
    }
  }
  return true;
}

void SqlSink::report_written(const Row &row, long long affected, Outcomes &outcomes,
                             bool inserted) const {
  if (shapes_[row.shape].operation == Operation::remove) {
    outcomes.written(row.record, WriteAction::deleted);
  } else if (settings_.write_mode == WriteMode::update && affected == 0) {
    outcomes.rejected(
        row.record, "no row in " + settings_.table + " has this key, and this entity only updates");
  } else if (settings_.write_mode == WriteMode::update) {
    outcomes.written(row.record, WriteAction::updated);
  } else if (settings_.write_mode == WriteMode::upsert && affected == 0) {
    // The upsert leaves a row that already holds these values untouched.
    outcomes.written(row.record, WriteAction::nothing);
  } else if (settings_.write_mode == WriteMode::upsert && !inserted) {
    // One statement inserted or updated the row; it does not say which.
    outcomes.written(row.record, WriteAction::written);
  } else {
    outcomes.written(row.record, WriteAction::created);
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
  shapes_.clear();
  shape_index_.clear();
  params_.clear();
  text_.clear();
  check_expectations(batch, outcomes);
  if (db_.dialect == Dialect::sqlite) {
    write_sqlite(batch, outcomes);
    for (auto &file : writeback_) file->nudge();
  } else {
    write_postgresql(batch, outcomes);
  }
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
    if (classify(e) == Failure::fatal) {
      throw FatalError("cannot commit to " + settings_.table + ": " + describe(e) +
                       " (not retried)");
    }
    throw TransientError("cannot commit to " + settings_.table + ": " + describe(e));
  }
}

}  // namespace junction::sql
