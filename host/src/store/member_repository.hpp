// What the host knows of each member (one record in one system, named by that system's
// key), whichever flow touched it: the hash of what it last wrote there, whole and per
// field (change detection, echo suppression), and its link. A system (connector, entity)
// is a small number in each member row; hashes are kept binary (written_state_codec).
//
// A member's row in member_state is written when the member is new; what is written to it
// later is appended to member_updates, which shadows the row, and folded back into
// member_state when the updates have grown to a good part of the system (fold_updates).
// Changed records are scattered across the table: rewriting each one's row in place
// would rewrite one page of the store per changed record.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

class SqliteStatement;

struct KnownRecord {
  std::string written_hash;              // 16 hex digits, "deleted", or "" (nothing written)
  std::string field_hashes;              // written_fields: segments, see engine/written_fields.hpp
  std::uint64_t source_fingerprint = 0;  // see RecordWrite
};

// A key compared with what was last written for it.
struct Comparison {
  bool known = false;                    // something was written for this key before
  bool unchanged = false;                // and it had the hash compared with
  std::string written_hash;              // when known and changed: the hash last written
  std::string field_hashes;              // when known and changed
  std::uint64_t source_fingerprint = 0;  // when known (0: none)
};

struct RecordWrite {
  std::string key;   // the member's key in this system
  std::string hash;  // the content hash (hex), "deleted" or ""
  std::string field_hashes;
  long long link_id = 0;  // joins the member to this link; 0 keeps the one it has
  // The member was known before the write (compare() said so): its state goes to
  // member_updates. False: a new member's row, or member_updates when the row exists.
  bool existing = false;
  // The source record as read that this state was mapped from, with what decided how
  // (engine/source_fingerprint); 0 when none: the write came from elsewhere.
  std::uint64_t source_fingerprint = 0;
};

// A member found to hold what a flow would write from a source record already: its
// newest state takes that record's fingerprint.
struct FingerprintRefresh {
  std::string key;
  std::uint64_t source_fingerprint = 0;
};

// A source record delivered to a member of this system for the first time: the two are
// joined by a link.
struct NewLink {
  std::string source_key;
  std::string member_key;
};

class MemberRepository {
 public:
  MemberRepository(soci::session &session, std::string connector, std::string entity);
  ~MemberRepository();

  // What is known of these keys; keys never seen are absent from the result.
  std::unordered_map<std::string, KnownRecord> lookup(const std::vector<std::string> &keys);

  // For each key, whether `hashes` (aligned with `keys`) is what was last written. Unchanged
  // keys copy nothing: re-runs compare millions of them. A system that held no members
  // when first compared is taken as empty for the rest of this repository's life (a
  // run's), so a first load looks nothing up; members another run adds meanwhile cost
  // writes again, never a skipped one.
  std::vector<Comparison> compare(const std::vector<std::string> &keys,
                                  const std::vector<std::string> &hashes);

  // Whether this system held any member when first asked (the answer is kept for the
  // repository's life, a run's).
  bool holds_members();

  // For each key, whether its newest state was written (or found) from the source record
  // with that fingerprint (aligned with `keys`; 0 never matches): a flow skips mapping
  // and comparing a record that reads as it did then.
  std::vector<bool> written_from(const std::vector<std::string> &keys,
                                 const std::vector<std::uint64_t> &fingerprints);

  // Records what was written, with the hash of it.
  void record_writes(const std::vector<RecordWrite> &writes);
  void refresh_fingerprints(const std::vector<FingerprintRefresh> &refreshes);

  // Records members the store never held, in member_state only: for a migration that
  // converts older tables, before member_updates exists.
  void record_new_members(const std::vector<RecordWrite> &writes);

  // Folds this system's member_updates into member_state once they number at least
  // `min_rows` and `fraction` of its members: rare rewrites of the table that keep
  // member_updates small. Returns the number of updates folded (0: none yet).
  std::size_t fold_updates(std::size_t min_rows = 65536, double fraction = 0.25);

  // Numbers this system and `source`'s (connector, entity) before a run's transaction
  // begins, so that a first run never holds a new system's row while others wait for it.
  void register_systems(const std::string &source_connector, const std::string &source_entity);

  // For each source key, the key of the member of this system it is linked to ("" when
  // none): where a flow finds "the same record" that an earlier write created here.
  std::vector<std::string> linked_members(const std::string &source_connector,
                                          const std::string &source_entity,
                                          const std::vector<std::string> &source_keys);

  // The link of each new source member (the one another flow gave it, or a new one),
  // recorded on the source member; the member here joins it through RecordWrite.link_id.
  std::vector<long long> record_links(const std::string &source_connector,
                                      const std::string &source_entity,
                                      const std::vector<NewLink> &links);
  // Whether any member of this system is linked yet (a first load has none to look up).
  bool any_linked();
  // The link of each of these members of this system; 0 when it has none.
  std::vector<long long> link_ids(const std::vector<std::string> &keys);

  // Field-name lists by hash (hash, names joined by \x1f), kept once for every member.
  void register_field_sets(const std::vector<std::pair<std::string, std::string>> &sets);
  std::optional<std::string> field_set_names(const std::string &set_hash);

 private:
  SqliteStatement &prepared(std::unique_ptr<SqliteStatement> &slot, const char *sql);
  // Whether member_updates may hold the key's state: a sorted list of the hashes of the
  // keys it held for this system when first asked, so that most keys cost no second
  // look-up. (A reader does not see what a run writes before it commits, and a run
  // writes each key once.)
  bool maybe_updated(const std::string &key);
  bool any_updated();
  // Binds a write to an insert or update statement of this system (parameters 2 to 4)
  // and runs it.
  // `with_fingerprint`: false for schema 7's member_state (record_new_members).
  static void step_write(SqliteStatement &st, const RecordWrite &w, std::string &scratch,
                         bool with_fingerprint = true);
  void write_postgres(const std::vector<const RecordWrite *> &writes, const char *sql,
                      bool with_fingerprint = true);
  // What `table` (member_state or member_updates) holds of these keys, into `known`.
  void read_known(const char *table, const std::vector<std::string> &keys,
                  std::unordered_map<std::string, KnownRecord> &known);
  void join_links(const std::vector<RecordWrite> &writes);
  // This system's number; 0 when it was never written (and `create` is false).
  std::int64_t own_system(bool create);
  std::int64_t system_of(const std::string &connector, const std::string &entity, bool create);

  soci::session &session_;
  std::string connector_;
  std::string entity_;
  std::int64_t system_id_ = 0;
  std::unordered_map<std::string, std::int64_t> systems_;  // by connector + "\x1f" + entity
  std::optional<std::vector<std::uint64_t>> updated_;      // see maybe_updated()
  bool wrote_updates_ = false;                             // through this repository
  std::optional<bool> members_when_first_compared_;        // see compare()
  // On SQLite: statements prepared once, run once per record.
  bool sqlite_;
  std::unique_ptr<SqliteStatement> compare_one_;
  std::unique_ptr<SqliteStatement> compare_updated_;
  std::unique_ptr<SqliteStatement> fingerprint_one_;
  std::unique_ptr<SqliteStatement> fingerprint_updated_;
  std::unique_ptr<SqliteStatement> walk_;  // see written_from()
  std::int64_t walk_from_ = 0;             // the rowid the walk goes on from
  bool walk_on_ = true;                    // off while batches meet rows out of order
  std::size_t batches_unwalked_ = 0;
  std::unique_ptr<SqliteStatement> insert_one_;
  std::unique_ptr<SqliteStatement> update_one_;
  std::unique_ptr<SqliteStatement> linked_one_;
  std::unique_ptr<SqliteStatement> source_link_;
  std::unique_ptr<SqliteStatement> new_link_;
  std::unique_ptr<SqliteStatement> link_source_;
};

}  // namespace junction::store
