#include "sql_source.hpp"

#include <algorithm>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include <junction/errors.hpp>

namespace junction::sql {

SqlSource::SqlSource(Database &db, const EntitySettings &settings, const SourceRequest &request)
    : db_(db),
      settings_(settings),
      batch_size_(std::max<std::uint32_t>(request.batch_size, 1)),
      incremental_(!settings.cursor.empty() && request.mode != ReadMode::snapshot) {
  try {
    if (settings_.query.empty()) {
      columns_ = read_columns(db_, settings_.table);
      relation_ = db_.quote(settings_.table);
    } else {
      columns_ = query_columns(db_, settings_.query);
      relation_ = "(" + settings_.query + ") AS junction_query";
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    const std::string what =
        settings_.query.empty() ? "the columns of " + settings_.table : "the query";
    if (classify(e) == Failure::fatal)
      throw ConfigError("cannot read " + what + ": " + describe(e));
    throw TransientError("cannot read " + what + ": " + describe(e));
  }
  const auto &key = settings_.key.empty() ? request.key_fields : settings_.key;
  if (key.empty()) throw ConfigError("entity '" + settings_.name + "' needs a key");
  if (incremental_) order_ = settings_.cursor;
  for (const auto &k : key) {
    if (std::find(order_.begin(), order_.end(), k) == order_.end()) order_.push_back(k);
  }
  for (const auto &name : order_) {
    const auto it = std::find_if(columns_.begin(), columns_.end(),
                                 [&](const Column &c) { return c.name == name; });
    if (it == columns_.end()) {
      throw ConfigError("table " + settings_.table + " has no column '" + name + "'");
    }
    order_index_.push_back(static_cast<std::size_t>(it - columns_.begin()));
  }
  if (!request.cursor.empty()) {
    const auto j = nlohmann::json::parse(request.cursor, nullptr, false);
    if (!j.is_object() || !j.contains("after") || j["after"].size() != order_.size()) {
      throw ConfigError("the stored cursor does not fit this entity's cursor and key columns");
    }
    last_ = j["after"].get<std::vector<std::string>>();
  }
}

void SqlSource::next(SourceBatch &out) {
  std::vector<std::string> names;
  for (const auto &c : columns_) names.push_back(c.name);
  out.records.set_fields(names);
  std::vector<std::uint32_t> key_fields;
  const std::size_t cursor_columns = incremental_ ? settings_.cursor.size() : 0;
  for (std::size_t i = cursor_columns; i < order_index_.size(); ++i) {
    key_fields.push_back(static_cast<std::uint32_t>(order_index_[i]));
  }
  out.records.set_key_fields(key_fields);

  const std::string select = select_as_text(db_, columns_);
  std::string order_list;
  for (const auto &o : order_) order_list += (order_list.empty() ? "" : ", ") + db_.quote(o);
  std::string sql = select + " FROM " + relation_;
  // The first page after a stored cursor may step back by the overlap window; the rows read
  // again are skipped by the host's hashes.
  const bool overlap =
      first_page_ && incremental_ && settings_.overlap_seconds > 0 && !last_.empty();
  first_page_ = false;
  if (overlap) {
    const std::string back = std::to_string(settings_.overlap_seconds);
    sql += " WHERE " + db_.quote(order_.front()) + " >= " +
           (db_.dialect == Dialect::postgresql
                ? "(:p0::timestamptz - interval '" + back + " seconds')"
                : "strftime('%Y-%m-%dT%H:%M:%fZ', :p0, '-" + back + " seconds')");
  } else if (!last_.empty()) {
    sql += " WHERE (" + order_list + ") > (";
    for (std::size_t i = 0; i < last_.size(); ++i) sql += (i ? ", :p" : ":p") + std::to_string(i);
    sql += ")";
  }
  sql += " ORDER BY " + order_list + " LIMIT " + std::to_string(batch_size_);

  std::size_t rows = 0;
  try {
    // Bound by reference: the parameters must outlive the statement, unlike last_.
    std::vector<std::string> after = last_;
    if (overlap) after.resize(1);
    soci::statement st(*db_.session);
    st.alloc();
    st.prepare(sql);
    for (auto &v : after) st.exchange(soci::use(v));
    soci::row row;
    st.exchange(soci::into(row));
    st.define_and_bind();
    st.execute(false);
    std::vector<std::string> values(columns_.size());
    std::vector<bool> nulls(columns_.size());
    while (st.fetch()) {
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        nulls[i] = row.get_indicator(i) == soci::i_null;
        values[i] = nulls[i] ? std::string() : row.get<std::string>(i);
      }
      std::string origin = settings_.table;
      for (std::size_t i = cursor_columns; i < order_index_.size(); ++i) {
        origin += (i == cursor_columns ? " " : "|") + values[order_index_[i]];
      }
      const auto r = out.records.add_record(Operation::upsert, JN_TIME_UNKNOWN, origin);
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        set_from_text(out.records, r, i, columns_[i], values[i], nulls[i]);
      }
      last_.clear();
      for (const auto index : order_index_) last_.push_back(values[index]);
      ++rows;
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    const Failure f = classify(e);
    if (f == Failure::fatal)
      throw FatalError("cannot read " + settings_.table + ": " + describe(e));
    throw TransientError("cannot read " + settings_.table + ": " + describe(e));
  }
  const bool end = rows < batch_size_;
  // A snapshot starts again from the beginning next run; an incremental read goes on.
  out.cursor = end && !incremental_ ? std::string() : nlohmann::json({{"after", last_}}).dump();
  out.end = end;
}

}  // namespace junction::sql
