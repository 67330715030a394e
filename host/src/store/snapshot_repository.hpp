// What one flow saw of its source in its snapshots: each source record's key, the target
// key it went to in this flow, and the last run that saw it. Deletes found by a snapshot
// diff are per flow: two flows reading one source delete, each in its own target, what the
// source no longer holds.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

class SqliteStatement;

class SnapshotRepository {
 public:
  SnapshotRepository(soci::session &session, std::string flow);
  ~SnapshotRepository();

  // Source records `run_id` saw, with the target key each went to ("" keeps the last one).
  void record_seen(const std::vector<std::pair<std::string, std::string>> &keys_and_targets,
                   const std::string &run_id);
  // Source records not seen by `run_id` and not yet deleted: source key and target key.
  std::vector<std::pair<std::string, std::string>> unseen(const std::string &run_id);
  void mark_deleted(const std::vector<std::string> &source_keys);

 private:
  soci::session &session_;
  std::string flow_;
  bool sqlite_;
  std::unique_ptr<SqliteStatement> see_one_;
};

}  // namespace junction::store
