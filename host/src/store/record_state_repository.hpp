// What the host knows of each record in each system: the hash of what it last wrote there
// (change detection, echo suppression) and the last run that touched it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

class SqliteStatement;

struct KnownRecord {
  std::string written_hash;
  std::string last_seen_run;
  std::string field_hashes;
};

// A key compared with what was last written for it.
struct Comparison {
  bool known = false;        // something was written for this key before
  bool unchanged = false;    // and it had the hash compared with
  std::string written_hash;  // when known and changed: the hash last written
  std::string field_hashes;  // when known and changed
};

struct RecordWrite {
  std::string key;
  std::string hash;
  std::string field_hashes;
};

class RecordStateRepository {
 public:
  RecordStateRepository(soci::session &session, std::string connector, std::string entity);
  ~RecordStateRepository();

  // What is known of these keys; keys never seen are absent from the result.
  std::unordered_map<std::string, KnownRecord> lookup(const std::vector<std::string> &keys);

  // For each key, whether `hashes` (aligned with `keys`) is what was last written. Unchanged
  // keys copy nothing: re-runs compare millions of them.
  std::vector<Comparison> compare(const std::vector<std::string> &keys,
                                  const std::vector<std::string> &hashes);

  // Records that `run_id` wrote, with the hash of what was written.
  void record_writes(const std::vector<RecordWrite> &writes, const std::string &run_id);

  // Source records `run_id` saw, with the target key each maps to ("" keeps the last one).
  void record_seen(const std::vector<std::pair<std::string, std::string>> &keys_and_targets,
                   const std::string &run_id);
  // Source records not seen by `run_id` and not yet deleted: key and target key.
  std::vector<std::pair<std::string, std::string>> unseen(const std::string &run_id);
  void mark_deleted(const std::vector<std::string> &keys);

 private:
  SqliteStatement &prepared(std::unique_ptr<SqliteStatement> &slot, const char *sql);

  soci::session &session_;
  std::string connector_;
  std::string entity_;
  // On SQLite: statements prepared once, run once per record.
  bool sqlite_;
  std::unique_ptr<SqliteStatement> compare_one_;
  std::unique_ptr<SqliteStatement> write_one_;
  std::unique_ptr<SqliteStatement> see_one_;
};

}  // namespace junction::store
