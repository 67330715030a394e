#include "store/member_repository.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <string_view>

#include "store/sqlite_statement.hpp"
#include "store/timestamps.hpp"
#include "store/written_state_codec.hpp"

namespace junction::store {
namespace {

// Keys per lookup query: on PostgreSQL each query is a round trip. (compare() on SQLite
// asks key by key through a kept statement instead: no round trips to save there.)
constexpr std::size_t lookup_chunk = 500;

const char *const compare_one_sql =
    "SELECT written_hash IS ?3, written_hash, written_fields, source_fingerprint FROM "
    "member_state WHERE system_id = ?1 AND member_key = ?2";

const char *const compare_updated_sql =
    "SELECT written_hash IS ?3, written_hash, written_fields, source_fingerprint FROM "
    "member_updates WHERE system_id = ?1 AND member_key = ?2";

const char *const fingerprint_one_sql =
    "SELECT source_fingerprint IS ?3, rowid FROM member_state WHERE system_id = ?1 AND "
    "member_key = ?2";
// Rows in the order they were written, from a row on (`+`: along the table, not the index
// of keys, which would sort the whole system first).
const char *const walk_sql =
    "SELECT member_key, source_fingerprint, rowid FROM member_state WHERE rowid >= ?2 AND "
    "+system_id = ?1 ORDER BY rowid";
const char *const fingerprint_updated_sql =
    "SELECT source_fingerprint IS ?3 FROM member_updates WHERE system_id = ?1 AND "
    "member_key = ?2";

// A new member's row; nothing when it exists (its state then goes to member_updates).
const char *const insert_sqlite_sql =
    "INSERT INTO member_state (system_id, member_key, written_hash, written_fields, "
    "source_fingerprint) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (system_id, member_key) DO "
    "NOTHING";
const char *const update_sqlite_sql =
    "INSERT INTO member_updates (system_id, member_key, written_hash, written_fields, "
    "source_fingerprint) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (system_id, member_key) DO "
    "UPDATE SET written_hash = excluded.written_hash, written_fields = excluded.written_fields, "
    "source_fingerprint = excluded.source_fingerprint";
// On PostgreSQL a member thought new that exists after all (another run made it) is
// rewritten in place, and an update of it that would shadow the row is removed.
const char *const insert_postgres_sql =
    "INSERT INTO member_state (system_id, member_key, written_hash, written_fields, "
    "source_fingerprint) VALUES (:s, :k, :h, decode(:f, 'hex'), :p) ON CONFLICT (system_id, "
    "member_key) DO UPDATE SET written_hash = excluded.written_hash, written_fields = "
    "excluded.written_fields, source_fingerprint = excluded.source_fingerprint";
const char *const update_postgres_sql =
    "INSERT INTO member_updates (system_id, member_key, written_hash, written_fields, "
    "source_fingerprint) VALUES (:s, :k, :h, decode(:f, 'hex'), :p) ON CONFLICT (system_id, "
    "member_key) DO UPDATE SET written_hash = excluded.written_hash, written_fields = "
    "excluded.written_fields, source_fingerprint = excluded.source_fingerprint";

// A member's newest state (its update when it has one, else its row) takes the
// fingerprint of the source record it was found to hold already.
const char *const refresh_updated_sql =
    "UPDATE member_updates SET source_fingerprint = :p WHERE system_id = :s AND member_key = :k";
const char *const refresh_row_sql =
    "UPDATE member_state SET source_fingerprint = :p WHERE system_id = :s AND member_key = :k "
    "AND NOT EXISTS (SELECT 1 FROM member_updates u WHERE u.system_id = member_state.system_id "
    "AND u.member_key = member_state.member_key)";

// A comparison from a row of compare_one_sql or compare_updated_sql.
void fill(Comparison &c, const SqliteStatement &row) {
  c.known = true;
  c.unchanged = row.integer(0) != 0;
  if (!c.unchanged) {
    if (!row.is_null(1)) c.written_hash = unpack_written_hash(row.integer(1));
    if (!row.is_null(2)) c.field_hashes = unpack_written_fields(row.blob(2));
  }
  c.source_fingerprint = row.is_null(3) ? 0 : static_cast<std::uint64_t>(row.integer(3));
}

std::uint64_t key_hash(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

// Apart from the write above: an upsert that may change a foreign-key column makes SQLite
// keep a statement journal, a temporary file written on every row of a first load.
const char *const join_link_sql =
    "UPDATE member_state SET link_id = :l WHERE system_id = :s AND member_key = :k";

// Selects `columns` of a system's members whose keys are `keys[0..count)`, in one query
// (on PostgreSQL each query is a round trip); `bind_into` binds the result vectors. False
// when no row came back: SOCI then leaves the vectors as they were.
template <typename BindInto>
bool select_chunk(soci::session &session, const char *table, std::int64_t system_id,
                  const std::string &column_list, const std::string *keys, std::size_t count,
                  BindInto bind_into) {
  std::string sql =
      "SELECT " + column_list + " FROM " + table + " WHERE system_id = :s AND member_key IN (";
  for (std::size_t i = 0; i < count; ++i) sql += (i ? ", :k" : ":k") + std::to_string(i);
  sql += ")";
  const long long system = system_id;
  soci::statement st(session);
  st.alloc();
  st.prepare(sql);
  st.exchange(soci::use(system));
  for (std::size_t i = 0; i < count; ++i) st.exchange(soci::use(keys[i]));
  bind_into(st);
  st.define_and_bind();
  return st.execute(true);
}

}  // namespace

MemberRepository::MemberRepository(soci::session &session, std::string connector,
                                   std::string entity)
    : session_(session),
      connector_(std::move(connector)),
      entity_(std::move(entity)),
      sqlite_(is_sqlite(session)) {}

MemberRepository::~MemberRepository() = default;

std::int64_t MemberRepository::system_of(const std::string &connector, const std::string &entity,
                                         bool create) {
  const std::string name = connector + '\x1f' + entity;
  if (const auto it = systems_.find(name); it != systems_.end()) return it->second;
  long long id = 0;
  soci::indicator ind = soci::i_null;
  const auto find = [&] {
    session_ << "SELECT system_id FROM systems WHERE connector = :c AND entity = :e",
        soci::use(connector), soci::use(entity), soci::into(id, ind);
    return session_.got_data() && ind == soci::i_ok;
  };
  bool found = find();
  if (!found && create) {
    session_ << "INSERT INTO systems (connector, entity) VALUES (:c, :e) ON CONFLICT "
                "(connector, entity) DO NOTHING",
        soci::use(connector), soci::use(entity);
    found = find();
  }
  if (!found) return 0;  // not kept: a later call may find it once another commits it
  systems_.emplace(name, id);
  return id;
}

std::int64_t MemberRepository::own_system(bool create) {
  if (system_id_ == 0) system_id_ = system_of(connector_, entity_, create);
  return system_id_;
}

void MemberRepository::register_systems(const std::string &source_connector,
                                        const std::string &source_entity) {
  own_system(true);
  system_of(source_connector, source_entity, true);
}

SqliteStatement &MemberRepository::prepared(std::unique_ptr<SqliteStatement> &slot,
                                            const char *sql) {
  if (!slot) slot = std::make_unique<SqliteStatement>(session_, sql);
  slot->reset();
  slot->bind(1, system_id_);
  return *slot;
}

std::unordered_map<std::string, KnownRecord> MemberRepository::lookup(
    const std::vector<std::string> &keys) {
  std::unordered_map<std::string, KnownRecord> known;
  if (own_system(false) == 0) return known;
  read_known("member_state", keys, known);
  std::vector<std::string> updated;
  for (const auto &k : keys) {
    if (maybe_updated(k)) updated.push_back(k);
  }
  read_known("member_updates", updated, known);  // newer: replaces what the row said
  return known;
}

void MemberRepository::read_known(const char *table, const std::vector<std::string> &keys,
                                  std::unordered_map<std::string, KnownRecord> &known) {
  const std::string column_list =
      sqlite_ ? "member_key, written_hash, hex(written_fields), source_fingerprint"
              : "member_key, written_hash, encode(written_fields, 'hex'), source_fingerprint";
  for (std::size_t start = 0; start < keys.size(); start += lookup_chunk) {
    const std::size_t count = std::min(lookup_chunk, keys.size() - start);
    // One slot more than rows can come back: SOCI fetches nothing into one-slot vectors.
    std::vector<std::string> found_keys(count + 1);
    std::vector<long long> hashes(count + 1);
    std::vector<soci::indicator> hash_null(count + 1);
    std::vector<std::string> fields(count + 1);
    std::vector<soci::indicator> fields_null(count + 1);
    std::vector<long long> fingerprints(count + 1);
    std::vector<soci::indicator> fingerprint_null(count + 1);
    const bool any = select_chunk(session_, table, system_id_, column_list, &keys[start], count,
                                  [&](soci::statement &st) {
                                    st.exchange(soci::into(found_keys));
                                    st.exchange(soci::into(hashes, hash_null));
                                    st.exchange(soci::into(fields, fields_null));
                                    st.exchange(soci::into(fingerprints, fingerprint_null));
                                  });
    if (!any) continue;
    for (std::size_t i = 0; i < found_keys.size(); ++i) {
      KnownRecord &k = known[found_keys[i]];
      k.written_hash = hash_null[i] == soci::i_ok ? unpack_written_hash(hashes[i]) : "";
      k.field_hashes =
          fields_null[i] == soci::i_ok ? unpack_written_fields(from_hex(fields[i])) : "";
      k.source_fingerprint =
          fingerprint_null[i] == soci::i_ok ? static_cast<std::uint64_t>(fingerprints[i]) : 0;
    }
  }
}

bool MemberRepository::any_updated() {
  if (!updated_) {
    std::vector<std::uint64_t> hashes;
    const long long system = own_system(false);
    if (system != 0) {
      std::string key;
      soci::statement st = (session_.prepare << "SELECT member_key FROM member_updates WHERE "
                                                "system_id = :s",
                            soci::use(system), soci::into(key));
      st.execute();
      while (st.fetch()) hashes.push_back(key_hash(key));
    }
    std::sort(hashes.begin(), hashes.end());
    updated_ = std::move(hashes);
  }
  return !updated_->empty() || wrote_updates_;
}

bool MemberRepository::maybe_updated(const std::string &key) {
  if (!any_updated()) return false;
  return std::binary_search(updated_->begin(), updated_->end(), key_hash(key));
}

bool MemberRepository::holds_members() {
  if (own_system(false) == 0) return false;  // nothing was ever written to this system
  if (!members_when_first_compared_) {
    int any = 0;
    const long long system = system_id_;
    session_ << "SELECT COUNT(*) FROM (SELECT 1 FROM member_state WHERE system_id = :s LIMIT 1) "
                "AS one",
        soci::use(system), soci::into(any);
    members_when_first_compared_ = any > 0;
  }
  return *members_when_first_compared_;
}

std::vector<bool> MemberRepository::written_from(const std::vector<std::string> &keys,
                                                 const std::vector<std::uint64_t> &fingerprints) {
  std::vector<bool> out(keys.size(), false);
  if (!holds_members()) return out;
  if (sqlite_) {
    const SqliteReadScope scope(session_);
    // The newest state decides: a key with an update is answered by it alone.
    const auto probe = [](SqliteStatement &st, const std::string &key, std::uint64_t fingerprint,
                          bool &same) {
      st.bind(2, key);
      st.bind(3, static_cast<std::int64_t>(fingerprint));
      const bool found = st.step();
      if (found) same = st.integer(0) != 0;
      st.reset();
      return found;
    };
    SqliteStatement &row = prepared(fingerprint_one_, fingerprint_one_sql);
    SqliteStatement *update =
        any_updated() ? &prepared(fingerprint_updated_, fingerprint_updated_sql) : nullptr;
    // A source usually keeps its order from run to run, and member rows are in the order
    // they were first written: a walk along the rows answers such keys without an index
    // look-up. A key the walk does not meet is looked up, and the walk goes on after its
    // row. Sources that lost their order switch the walk off until a batch finds it again.
    if (!walk_on_ && ++batches_unwalked_ % 16 == 0) walk_on_ = true;
    const bool walking = walk_on_;
    std::size_t hits = 0;
    std::size_t tries = 0;
    SqliteStatement &walk = prepared(walk_, walk_sql);
    walk.bind(2, walk_from_);
    bool at_row = walking && walk.step();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (fingerprints[i] == 0) continue;
      bool same = false;
      if (update != nullptr && maybe_updated(keys[i]) &&
          probe(*update, keys[i], fingerprints[i], same)) {
        out[i] = same;
        continue;
      }
      ++tries;
      if (at_row && walk.text(0) == keys[i]) {
        ++hits;
        out[i] = !walk.is_null(1) && static_cast<std::uint64_t>(walk.integer(1)) == fingerprints[i];
        walk_from_ = walk.integer(2) + 1;
        at_row = walk.step();
        continue;
      }
      row.bind(2, keys[i]);
      row.bind(3, static_cast<std::int64_t>(fingerprints[i]));
      if (row.step()) {
        out[i] = row.integer(0) != 0;
        if (walking) {
          walk_from_ = row.integer(1) + 1;
          walk.reset();
          walk.bind(2, walk_from_);
          at_row = walk.step();
        }
      }
      row.reset();
    }
    walk.reset();
    if (walking) walk_on_ = tries < 64 || hits * 2 >= tries;
    return out;
  }
  // Rows first, then updates, which replace what the rows said.
  std::unordered_map<std::string, std::uint64_t> newest;
  std::vector<std::string> updated;
  for (const auto &k : keys) {
    if (maybe_updated(k)) updated.push_back(k);
  }
  for (const auto &[table, wanted] :
       {std::pair{"member_state", &keys}, {"member_updates", &updated}}) {
    for (std::size_t start = 0; start < wanted->size(); start += lookup_chunk) {
      const std::size_t count = std::min(lookup_chunk, wanted->size() - start);
      std::vector<std::string> found_keys(count + 1);
      std::vector<long long> found(count + 1);
      std::vector<soci::indicator> found_null(count + 1);
      if (!select_chunk(session_, table, system_id_, "member_key, source_fingerprint",
                        &(*wanted)[start], count, [&](soci::statement &st) {
                          st.exchange(soci::into(found_keys));
                          st.exchange(soci::into(found, found_null));
                        })) {
        continue;
      }
      for (std::size_t i = 0; i < found_keys.size(); ++i) {
        newest[found_keys[i]] =
            found_null[i] == soci::i_ok ? static_cast<std::uint64_t>(found[i]) : 0;
      }
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = newest.find(keys[i]);
    out[i] = fingerprints[i] != 0 && it != newest.end() && it->second == fingerprints[i];
  }
  return out;
}

void MemberRepository::refresh_fingerprints(const std::vector<FingerprintRefresh> &refreshes) {
  if (refreshes.empty() || own_system(false) == 0) return;
  std::vector<long long> systems(refreshes.size(), system_id_);
  std::vector<std::string> keys;
  std::vector<long long> fingerprints;
  keys.reserve(refreshes.size());
  fingerprints.reserve(refreshes.size());
  for (const auto &r : refreshes) {
    keys.push_back(r.key);
    fingerprints.push_back(static_cast<long long>(r.source_fingerprint));
  }
  session_ << refresh_updated_sql, soci::use(fingerprints), soci::use(systems), soci::use(keys);
  session_ << refresh_row_sql, soci::use(fingerprints), soci::use(systems), soci::use(keys);
}

std::vector<Comparison> MemberRepository::compare(const std::vector<std::string> &keys,
                                                  const std::vector<std::string> &hashes) {
  std::vector<Comparison> out(keys.size());
  if (!holds_members()) return out;
  if (sqlite_) {
    const SqliteReadScope scope(session_);
    // A key's newest state: its update when it has one, else its row.
    const auto probe = [](SqliteStatement &st, const std::string &key,
                          const std::optional<std::int64_t> &hash, Comparison &c) {
      st.bind(2, key);
      if (hash) {
        st.bind(3, *hash);
      } else {
        st.bind_null(3);
      }
      const bool found = st.step();
      if (found) fill(c, st);
      st.reset();
      return found;
    };
    SqliteStatement &row = prepared(compare_one_, compare_one_sql);
    SqliteStatement *update =
        any_updated() ? &prepared(compare_updated_, compare_updated_sql) : nullptr;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto hash = pack_written_hash(hashes[i]);
      if (update != nullptr && maybe_updated(keys[i]) && probe(*update, keys[i], hash, out[i])) {
        continue;
      }
      probe(row, keys[i], hash, out[i]);
    }
    return out;
  }
  const auto known = lookup(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = known.find(keys[i]);
    if (it == known.end()) continue;
    Comparison &c = out[i];
    c.known = true;
    const auto hash = pack_written_hash(hashes[i]);
    c.unchanged = hash ? it->second.written_hash == unpack_written_hash(*hash)
                       : it->second.written_hash.empty();
    c.source_fingerprint = it->second.source_fingerprint;
    if (!c.unchanged) {
      c.written_hash = it->second.written_hash;
      c.field_hashes = it->second.field_hashes;
    }
  }
  return out;
}

void MemberRepository::record_writes(const std::vector<RecordWrite> &writes) {
  if (writes.empty()) return;
  own_system(true);
  if (sqlite_) {
    std::string scratch;
    for (const auto &w : writes) {
      if (!w.existing) {
        SqliteStatement &insert = prepared(insert_one_, insert_sqlite_sql);
        step_write(insert, w, scratch);
        if (insert.changes() > 0) continue;
      }
      step_write(prepared(update_one_, update_sqlite_sql), w, scratch);
      wrote_updates_ = true;
    }
    join_links(writes);
    return;
  }
  std::vector<const RecordWrite *> fresh;
  std::vector<const RecordWrite *> known;
  for (const auto &w : writes) (w.existing ? known : fresh).push_back(&w);
  if (!fresh.empty()) {
    write_postgres(fresh, insert_postgres_sql);
    if (any_updated()) {
      std::vector<long long> systems(fresh.size(), system_id_);
      std::vector<std::string> keys;
      keys.reserve(fresh.size());
      for (const auto *w : fresh) keys.push_back(w->key);
      session_ << "DELETE FROM member_updates WHERE system_id = :s AND member_key = :k",
          soci::use(systems), soci::use(keys);
    }
  }
  if (!known.empty()) {
    write_postgres(known, update_postgres_sql);
    wrote_updates_ = true;
  }
  join_links(writes);
}

void MemberRepository::record_new_members(const std::vector<RecordWrite> &writes) {
  if (writes.empty()) return;
  own_system(true);
  // member_state as schema 7 made it: no fingerprints yet.
  if (sqlite_) {
    std::string scratch;
    SqliteStatement insert(session_,
                           "INSERT INTO member_state (system_id, member_key, written_hash, "
                           "written_fields) VALUES (?1, ?2, ?3, ?4)");
    for (const auto &w : writes) {
      insert.reset();
      insert.bind(1, system_id_);
      step_write(insert, w, scratch, false);
    }
  } else {
    std::vector<const RecordWrite *> all;
    all.reserve(writes.size());
    for (const auto &w : writes) all.push_back(&w);
    write_postgres(all,
                   "INSERT INTO member_state (system_id, member_key, written_hash, written_fields) "
                   "VALUES (:s, :k, :h, decode(:f, 'hex'))",
                   false);
  }
  join_links(writes);
}

void MemberRepository::step_write(SqliteStatement &st, const RecordWrite &w, std::string &scratch,
                                  bool with_fingerprint) {
  st.bind(2, w.key);
  const auto hash = pack_written_hash(w.hash);
  if (hash) {
    st.bind(3, *hash);
  } else {
    st.bind_null(3);
  }
  if (w.field_hashes.empty()) {
    st.bind_null(4);
  } else {
    scratch = pack_written_fields(w.field_hashes);
    st.bind_blob(4, scratch);
  }
  if (with_fingerprint && w.source_fingerprint == 0) st.bind_null(5);
  if (with_fingerprint && w.source_fingerprint != 0) {
    st.bind(5, static_cast<std::int64_t>(w.source_fingerprint));
  }
  st.step();
  st.reset();
}

void MemberRepository::write_postgres(const std::vector<const RecordWrite *> &writes,
                                      const char *sql, bool with_fingerprint) {
  std::vector<long long> systems(writes.size(), system_id_);
  std::vector<std::string> keys;
  std::vector<long long> hashes;
  std::vector<soci::indicator> hash_null;
  std::vector<std::string> fields;
  std::vector<soci::indicator> fields_null;
  std::vector<long long> fingerprints;
  std::vector<soci::indicator> fingerprint_null;
  for (const auto *w : writes) {
    fingerprints.push_back(static_cast<long long>(w->source_fingerprint));
    fingerprint_null.push_back(w->source_fingerprint == 0 ? soci::i_null : soci::i_ok);
    keys.push_back(w->key);
    const auto hash = pack_written_hash(w->hash);
    hashes.push_back(hash.value_or(0));
    hash_null.push_back(hash ? soci::i_ok : soci::i_null);
    fields.push_back(w->field_hashes.empty() ? std::string()
                                             : to_hex(pack_written_fields(w->field_hashes)));
    fields_null.push_back(w->field_hashes.empty() ? soci::i_null : soci::i_ok);
  }
  if (!with_fingerprint) {
    session_ << sql, soci::use(systems), soci::use(keys), soci::use(hashes, hash_null),
        soci::use(fields, fields_null);
    return;
  }
  session_ << sql, soci::use(systems), soci::use(keys), soci::use(hashes, hash_null),
      soci::use(fields, fields_null), soci::use(fingerprints, fingerprint_null);
}

std::size_t MemberRepository::fold_updates(std::size_t min_rows, double fraction) {
  const long long system = own_system(false);
  if (system == 0) return 0;
  long long updates = 0;
  session_ << "SELECT COUNT(*) FROM member_updates WHERE system_id = :s", soci::use(system),
      soci::into(updates);
  if (updates <= 0 || static_cast<std::size_t>(updates) < min_rows) return 0;
  long long members = 0;
  session_ << "SELECT COUNT(*) FROM member_state WHERE system_id = :s", soci::use(system),
      soci::into(members);
  if (static_cast<double>(updates) < fraction * static_cast<double>(members)) return 0;
  session_ << "UPDATE member_state SET written_hash = u.written_hash, written_fields = "
              "u.written_fields, source_fingerprint = u.source_fingerprint FROM member_updates "
              "AS u WHERE member_state.system_id = "
              "u.system_id AND member_state.member_key = u.member_key AND u.system_id = :s",
      soci::use(system);
  // Only what was folded: an update another run committed meanwhile stays.
  session_ << "DELETE FROM member_updates WHERE system_id = :s AND EXISTS (SELECT 1 FROM "
              "member_state m WHERE m.system_id = member_updates.system_id AND m.member_key = "
              "member_updates.member_key AND m.written_hash IS NOT DISTINCT FROM "
              "member_updates.written_hash AND m.written_fields IS NOT DISTINCT FROM "
              "member_updates.written_fields AND m.source_fingerprint IS NOT DISTINCT FROM "
              "member_updates.source_fingerprint)",
      soci::use(system);
  updated_.reset();
  wrote_updates_ = false;
  return static_cast<std::size_t>(updates);
}

void MemberRepository::join_links(const std::vector<RecordWrite> &writes) {
  const long long system = system_id_;
  for (const auto &w : writes) {
    if (w.link_id == 0) continue;
    const long long link = w.link_id;
    session_ << join_link_sql, soci::use(link), soci::use(system), soci::use(w.key);
  }
}

std::vector<std::string> MemberRepository::linked_members(
    const std::string &source_connector, const std::string &source_entity,
    const std::vector<std::string> &source_keys) {
  std::vector<std::string> out(source_keys.size());
  const long long target = own_system(false);
  const long long source = system_of(source_connector, source_entity, false);
  if (target == 0 || source == 0) return out;
  // The source member by its key, then the members of its link by the link index:
  // written so that no planner can scan every linked member instead.
  static const char *const sql =
      "SELECT member_key FROM member_state WHERE system_id = :t AND link_id = (SELECT link_id "
      "FROM member_state WHERE system_id = :s AND member_key = :k)";
  if (sqlite_) {
    const SqliteReadScope scope(session_);
    if (!linked_one_) linked_one_ = std::make_unique<SqliteStatement>(session_, sql);
    SqliteStatement &st = *linked_one_;
    for (std::size_t i = 0; i < source_keys.size(); ++i) {
      st.reset();
      st.bind(1, static_cast<std::int64_t>(target));
      st.bind(2, static_cast<std::int64_t>(source));
      st.bind(3, source_keys[i]);
      if (st.step()) out[i] = std::string(st.text(0));
    }
    st.reset();
    return out;
  }
  for (std::size_t i = 0; i < source_keys.size(); ++i) {
    std::string key;
    soci::indicator ind = soci::i_null;
    session_ << sql, soci::use(target), soci::use(source), soci::use(source_keys[i]),
        soci::into(key, ind);
    if (session_.got_data() && ind == soci::i_ok) out[i] = key;
  }
  return out;
}

std::vector<long long> MemberRepository::record_links(const std::string &source_connector,
                                                      const std::string &source_entity,
                                                      const std::vector<NewLink> &links) {
  std::vector<long long> ids(links.size(), 0);
  if (links.empty()) return ids;
  const std::string now = utc_now_text();
  const std::int64_t source = system_of(source_connector, source_entity, true);
  if (sqlite_) {
    // The source's link when another flow linked it already, else a new one.
    if (!source_link_) {
      source_link_ = std::make_unique<SqliteStatement>(
          session_,
          "SELECT COALESCE(link_id, 0) FROM member_state WHERE system_id = ?1 AND "
          "member_key = ?2");
      new_link_ = std::make_unique<SqliteStatement>(
          session_,
          "INSERT INTO links (entity_class, created_at, updated_at) VALUES (?1, ?2, ?2) "
          "RETURNING link_id");
      link_source_ = std::make_unique<SqliteStatement>(
          session_,
          "INSERT INTO member_state (system_id, member_key, link_id) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (system_id, member_key) DO UPDATE SET link_id = excluded.link_id");
    }
    for (std::size_t i = 0; i < links.size(); ++i) {
      SqliteStatement &find = *source_link_;
      find.reset();
      find.bind(1, source);
      find.bind(2, links[i].source_key);
      if (find.step() && find.integer(0) != 0) {
        ids[i] = find.integer(0);
        find.reset();
        continue;
      }
      find.reset();
      SqliteStatement &make = *new_link_;
      make.reset();
      make.bind(1, entity_);
      make.bind(2, now);
      make.step();
      ids[i] = make.integer(0);
      make.reset();
      SqliteStatement &join = *link_source_;
      join.reset();
      join.bind(1, source);
      join.bind(2, links[i].source_key);
      join.bind(3, static_cast<std::int64_t>(ids[i]));
      join.step();
      join.reset();
    }
    return ids;
  }
  std::vector<std::string> keys;
  keys.reserve(links.size());
  for (const auto &l : links) keys.push_back(l.source_key);
  MemberRepository sources(session_, source_connector, source_entity);
  const auto existing = sources.link_ids(keys);
  std::vector<std::size_t> fresh;
  for (std::size_t i = 0; i < links.size(); ++i) {
    if (existing[i] != 0) {
      ids[i] = existing[i];
    } else {
      fresh.push_back(i);
    }
  }
  if (fresh.empty()) return ids;
  const long long count = static_cast<long long>(fresh.size());
  std::vector<long long> made(fresh.size() + 1);
  // One statement for every new link of the batch, not one round trip each.
  session_ << "INSERT INTO links (entity_class, created_at, updated_at) SELECT :c, :t, :u FROM "
              "generate_series(1, :n) RETURNING link_id",
      soci::use(entity_), soci::use(now), soci::use(now), soci::use(count), soci::into(made);
  std::vector<long long> systems(fresh.size(), source);
  std::vector<std::string> fresh_keys;
  std::vector<long long> fresh_ids;
  for (std::size_t j = 0; j < fresh.size(); ++j) {
    ids[fresh[j]] = made[j];
    fresh_keys.push_back(links[fresh[j]].source_key);
    fresh_ids.push_back(made[j]);
  }
  session_ << "INSERT INTO member_state (system_id, member_key, link_id) VALUES (:s, :k, :l) "
              "ON CONFLICT (system_id, member_key) DO UPDATE SET link_id = excluded.link_id",
      soci::use(systems), soci::use(fresh_keys), soci::use(fresh_ids);
  return ids;
}

bool MemberRepository::any_linked() {
  const long long system = own_system(false);
  if (system == 0) return false;
  int found = 0;
  session_ << "SELECT COUNT(*) FROM (SELECT 1 FROM member_state WHERE link_id IS NOT NULL AND "
              "system_id = :s LIMIT 1) AS one",
      soci::use(system), soci::into(found);
  return found > 0;
}

std::vector<long long> MemberRepository::link_ids(const std::vector<std::string> &keys) {
  std::vector<long long> out(keys.size(), 0);
  const std::int64_t system = own_system(false);
  if (system == 0) return out;
  std::unordered_map<std::string, long long> found;
  for (std::size_t start = 0; start < keys.size(); start += lookup_chunk) {
    const std::size_t count = std::min(lookup_chunk, keys.size() - start);
    std::vector<std::string> found_keys(count + 1);
    std::vector<long long> found_links(count + 1);
    const bool any =
        select_chunk(session_, "member_state", system, "member_key, COALESCE(link_id, 0)",
                     &keys[start], count, [&](soci::statement &st) {
                       st.exchange(soci::into(found_keys));
                       st.exchange(soci::into(found_links));
                     });
    if (!any) continue;
    for (std::size_t i = 0; i < found_keys.size(); ++i) found[found_keys[i]] = found_links[i];
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (auto it = found.find(keys[i]); it != found.end()) out[i] = it->second;
  }
  return out;
}

void MemberRepository::register_field_sets(
    const std::vector<std::pair<std::string, std::string>> &sets) {
  for (const auto &[hash, names] : sets) {
    session_ << "INSERT INTO field_lists (set_hash, names) SELECT :h, :n WHERE NOT EXISTS "
                "(SELECT 1 FROM field_lists WHERE set_hash = :h2)",
        soci::use(hash), soci::use(names), soci::use(hash);
  }
}

std::optional<std::string> MemberRepository::field_set_names(const std::string &set_hash) {
  std::string names;
  soci::indicator ind = soci::i_null;
  session_ << "SELECT names FROM field_lists WHERE set_hash = :h LIMIT 1", soci::use(set_hash),
      soci::into(names, ind);
  if (!session_.got_data() || ind != soci::i_ok) return std::nullopt;
  return names;
}

}  // namespace junction::store
