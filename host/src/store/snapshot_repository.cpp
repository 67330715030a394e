#include "store/snapshot_repository.hpp"

#include <soci/soci.h>

#include "store/sqlite_statement.hpp"

namespace junction::store {
namespace {

// Named parameters serve both backends (SQLite numbers them by first appearance).
const char *const see_sql =
    "INSERT INTO flow_snapshot (flow, source_key, target_key, last_seen_run) "
    "VALUES (:f, :k, NULLIF(:t, ''), :r) "
    "ON CONFLICT (flow, source_key) DO UPDATE SET "
    "target_key = COALESCE(excluded.target_key, flow_snapshot.target_key), "
    "last_seen_run = excluded.last_seen_run, deleted = 0";

}  // namespace

SnapshotRepository::SnapshotRepository(soci::session &session, std::string flow)
    : session_(session), flow_(std::move(flow)), sqlite_(is_sqlite(session)) {}

SnapshotRepository::~SnapshotRepository() = default;

void SnapshotRepository::record_seen(
    const std::vector<std::pair<std::string, std::string>> &keys_and_targets,
    const std::string &run_id) {
  if (keys_and_targets.empty()) return;
  if (sqlite_) {
    if (!see_one_) see_one_ = std::make_unique<SqliteStatement>(session_, see_sql);
    SqliteStatement &st = *see_one_;
    for (const auto &[key, target] : keys_and_targets) {
      st.reset();
      st.bind(1, flow_);
      st.bind(2, key);
      st.bind(3, target);
      st.bind(4, run_id);
      st.step();
    }
    st.reset();
    return;
  }
  std::vector<std::string> flows(keys_and_targets.size(), flow_);
  std::vector<std::string> keys;
  std::vector<std::string> targets;
  for (const auto &[key, target] : keys_and_targets) {
    keys.push_back(key);
    targets.push_back(target);
  }
  std::vector<std::string> runs(keys.size(), run_id);
  session_ << see_sql, soci::use(flows), soci::use(keys), soci::use(targets), soci::use(runs);
}

std::vector<std::pair<std::string, std::string>> SnapshotRepository::unseen(
    const std::string &run_id) {
  std::vector<std::pair<std::string, std::string>> out;
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT source_key, target_key FROM flow_snapshot WHERE flow = :f "
                           "AND deleted = 0 AND target_key IS NOT NULL AND last_seen_run <> :r "
                           "ORDER BY source_key",
       soci::use(flow_), soci::use(run_id));
  for (const auto &r : rows) out.emplace_back(r.get<std::string>(0), r.get<std::string>(1));
  return out;
}

void SnapshotRepository::mark_deleted(const std::vector<std::string> &source_keys) {
  if (source_keys.empty()) return;
  std::vector<std::string> flows(source_keys.size(), flow_);
  session_ << "UPDATE flow_snapshot SET deleted = 1 WHERE flow = :f AND source_key = :k",
      soci::use(flows), soci::use(source_keys);
}

}  // namespace junction::store
