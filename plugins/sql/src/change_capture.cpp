#include "change_capture.hpp"

#include <algorithm>
#include <map>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include <junction/errors.hpp>

namespace junction::sql {
namespace {

// A table name usable inside trigger and function names.
std::string ident_part(const std::string &table) {
  std::string out;
  for (const char c : table) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string literal(const std::string &text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string key_array(const Database &db, const std::vector<std::string> &key, const char *row) {
  std::string out = db.dialect == Dialect::sqlite ? "json_array(" : "json_build_array(";
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += (i ? ", " : "") + std::string(row) + "." + db.quote(key[i]);
  }
  return out + ")";
}

}  // namespace

bool capture_installed(Database &db, const std::string &table) {
  long long n = 0;
  // A named string: SOCI binds by reference and runs the query at the end of the statement.
  if (db.dialect == Dialect::sqlite) {
    const std::string trigger = "junction_" + ident_part(table) + "_delete";
    *db.session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = :n",
        soci::use(trigger), soci::into(n);
  } else {
    const std::string trigger = "junction_" + ident_part(table) + "_capture";
    *db.session << "SELECT COUNT(*) FROM pg_trigger WHERE tgname = :n", soci::use(trigger),
        soci::into(n);
  }
  return n > 0;
}

void install_capture(Database &db, const std::string &table, const std::vector<std::string> &key) {
  const std::string t = db.quote(table);
  const std::string name = ident_part(table);
  const std::string lit = literal(table);
  soci::transaction tx(*db.session);
  if (db.dialect == Dialect::sqlite) {
    *db.session
        << "CREATE TABLE IF NOT EXISTS junction_changes (seq INTEGER PRIMARY KEY "
           "AUTOINCREMENT, table_name TEXT NOT NULL, op TEXT NOT NULL, key_json TEXT NOT "
           "NULL, changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";
    *db.session << "CREATE INDEX IF NOT EXISTS junction_changes_by_table ON junction_changes "
                   "(table_name, seq)";
    std::string key_changed;
    for (std::size_t i = 0; i < key.size(); ++i) {
      key_changed += (i ? " OR " : "") + std::string("OLD.") + db.quote(key[i]) + " IS NOT NEW." +
                     db.quote(key[i]);
    }
    *db.session << "CREATE TRIGGER IF NOT EXISTS junction_" + name + "_insert AFTER INSERT ON " +
                       t +
                       " BEGIN INSERT INTO junction_changes (table_name, op, key_json) VALUES (" +
                       lit + ", 'I', " + key_array(db, key, "NEW") + "); END";
    *db.session << "CREATE TRIGGER IF NOT EXISTS junction_" + name + "_update AFTER UPDATE ON " +
                       t +
                       " BEGIN INSERT INTO junction_changes (table_name, op, key_json) SELECT " +
                       lit + ", 'D', " + key_array(db, key, "OLD") + " WHERE " + key_changed +
                       "; INSERT INTO junction_changes (table_name, op, key_json) VALUES (" + lit +
                       ", 'U', " + key_array(db, key, "NEW") + "); END";
    *db.session << "CREATE TRIGGER IF NOT EXISTS junction_" + name + "_delete AFTER DELETE ON " +
                       t +
                       " BEGIN INSERT INTO junction_changes (table_name, op, key_json) VALUES (" +
                       lit + ", 'D', " + key_array(db, key, "OLD") + "); END";
  } else {
    *db.session << "CREATE TABLE IF NOT EXISTS junction_changes (seq bigserial PRIMARY KEY, "
                   "table_name text NOT NULL, op char(1) NOT NULL, key_json text NOT NULL, "
                   "changed_at timestamptz NOT NULL DEFAULT clock_timestamp())";
    *db.session << "CREATE INDEX IF NOT EXISTS junction_changes_by_table ON junction_changes "
                   "(table_name, seq)";
    std::string key_changed;
    for (std::size_t i = 0; i < key.size(); ++i) {
      key_changed += (i ? " OR " : "") + std::string("OLD.") + db.quote(key[i]) +
                     " IS DISTINCT FROM NEW." + db.quote(key[i]);
    }
    *db.session << "CREATE OR REPLACE FUNCTION junction_capture_" + name +
                       "() RETURNS trigger LANGUAGE plpgsql AS $junction$ BEGIN "
                       "IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (" +
                       key_changed +
                       ")) THEN "
                       "INSERT INTO junction_changes (table_name, op, key_json) VALUES (" +
                       lit + ", 'D', " + key_array(db, key, "OLD") +
                       "::text); END IF; "
                       "IF TG_OP <> 'DELETE' THEN INSERT INTO junction_changes (table_name, op, "
                       "key_json) VALUES (" +
                       lit + ", left(TG_OP, 1), " + key_array(db, key, "NEW") +
                       "::text); END IF; PERFORM pg_notify('junction_changes', " + lit +
                       "); "
                       "RETURN NULL; END $junction$";
    *db.session << "DROP TRIGGER IF EXISTS junction_" + name + "_capture ON " + t;
    *db.session << "CREATE TRIGGER junction_" + name +
                       "_capture AFTER INSERT OR UPDATE OR DELETE ON " + t +
                       " FOR EACH ROW EXECUTE FUNCTION junction_capture_" + name + "()";
  }
  tx.commit();
}

ChangeLogSource::ChangeLogSource(Database &db, const EntitySettings &settings,
                                 const SourceRequest &request)
    : db_(db),
      settings_(settings),
      key_(settings.key.empty() ? request.key_fields : settings.key),
      batch_size_(std::max<std::uint32_t>(request.batch_size, 1)) {
  if (key_.empty()) throw ConfigError("entity '" + settings_.name + "' needs a key");
  try {
    columns_ = read_columns(db_, settings_.table);
    if (!capture_installed(db_, settings_.table)) {
      if (!settings_.install_capture) {
        throw ConfigError(
            "change capture is not installed on " + settings_.table +
            ": set \"install_capture\": true or run the SQL in the sql plugin's README");
      }
      install_capture(db_, settings_.table, key_);
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    throw TransientError("cannot prepare change capture on " + settings_.table + ": " +
                         describe(e));
  }
  for (const auto &k : key_) {
    const auto it = std::find_if(columns_.begin(), columns_.end(),
                                 [&](const Column &c) { return c.name == k; });
    if (it == columns_.end())
      throw ConfigError("table " + settings_.table + " has no column '" + k + "'");
    key_index_.push_back(static_cast<std::size_t>(it - columns_.begin()));
  }
  if (!request.cursor.empty()) {
    const auto j = nlohmann::json::parse(request.cursor, nullptr, false);
    if (!j.is_object() || !j.contains("seq"))
      throw ConfigError("the stored cursor is not a change-log position");
    after_ = j["seq"].get<long long>();
  }
}

void ChangeLogSource::next(SourceBatch &out) {
  std::vector<std::string> names;
  for (const auto &c : columns_) names.push_back(c.name);
  out.records.set_fields(names);
  std::vector<std::uint32_t> key_fields(key_index_.begin(), key_index_.end());
  out.records.set_key_fields(key_fields);
  std::size_t changes = 0;
  try {
    // The newest change per key decides; its row is read as it is now.
    std::vector<long long> seqs(batch_size_ + 1);
    std::vector<std::string> keys(batch_size_ + 1);
    const std::string table = settings_.table;
    soci::statement st =
        (db_.session->prepare << "SELECT seq, key_json FROM junction_changes WHERE table_name = :t "
                                 "AND seq > :a ORDER BY seq LIMIT " +
                                     std::to_string(batch_size_),
         soci::use(table), soci::use(after_), soci::into(seqs), soci::into(keys));
    if (st.execute(true)) {
      changes = seqs.size();
      std::map<std::string, long long> latest;
      for (std::size_t i = 0; i < seqs.size(); ++i) latest[keys[i]] = seqs[i];
      std::string select = select_as_text(db_, columns_);
      select += " FROM " + db_.quote(settings_.table) + " WHERE ";
      for (std::size_t k = 0; k < key_.size(); ++k) {
        select += (k ? " AND " : "") + db_.quote(key_[k]) + " = :k" + std::to_string(k);
      }
      std::vector<std::pair<long long, std::string>> ordered;
      for (const auto &[key, seq] : latest) ordered.emplace_back(seq, key);
      std::sort(ordered.begin(), ordered.end());
      for (const auto &[seq, key_json] : ordered) {
        const auto key_values = nlohmann::json::parse(key_json);
        std::vector<std::string> key_text;
        for (const auto &v : key_values)
          key_text.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        soci::row row;
        soci::statement fetch(*db_.session);
        fetch.alloc();
        fetch.prepare(select);
        for (auto &k : key_text) fetch.exchange(soci::use(k));
        fetch.exchange(soci::into(row));
        fetch.define_and_bind();
        const bool exists = fetch.execute(true);
        const auto r =
            out.records.add_record(exists ? Operation::upsert : Operation::remove, JN_TIME_UNKNOWN,
                                   settings_.table + " change " + std::to_string(seq));
        if (!exists) {
          for (std::size_t k = 0; k < key_index_.size(); ++k) {
            set_from_text(out.records, r, key_index_[k], columns_[key_index_[k]], key_text[k],
                          false);
          }
          continue;
        }
        for (std::size_t i = 0; i < columns_.size(); ++i) {
          const bool null = row.get_indicator(i) == soci::i_null;
          set_from_text(out.records, r, i, columns_[i],
                        null ? std::string() : row.get<std::string>(i), null);
        }
      }
      after_ = seqs.back();
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    throw TransientError("cannot read the change log of " + settings_.table + ": " + describe(e));
  }
  out.cursor = nlohmann::json({{"seq", after_}}).dump();
  out.end = changes < batch_size_;
}

void ChangeLogSource::acknowledge(std::string_view cursor) {
  if (!settings_.trim_acknowledged) return;
  const auto j = nlohmann::json::parse(cursor, nullptr, false);
  if (!j.is_object() || !j.contains("seq")) return;
  const long long upto = j["seq"].get<long long>();
  const std::string table = settings_.table;
  try {
    *db_.session << "DELETE FROM junction_changes WHERE table_name = :t AND seq <= :s",
        soci::use(table), soci::use(upto);
  } catch (const std::exception &e) {
    throw TransientError("cannot trim the change log of " + settings_.table + ": " + describe(e));
  }
}

}  // namespace junction::sql
