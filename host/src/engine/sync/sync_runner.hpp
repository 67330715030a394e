// Runs one cycle of a sync against its real systems: reads every readable system whole
// (a record gone from a system since the last cycle is read as deleted there), plans
// with the pure planner, then — for `run_sync` only — writes each system through its
// connector, settles every outcome into the links and records links, reviews and audit
// entries in one store transaction after the sinks have committed.
#pragma once

#include <map>
#include <string>

#include "config/host_config.hpp"
#include "engine/sync/cycle_plan.hpp"
#include "plugin/connector_instance.hpp"
#include "store/state_store.hpp"

namespace junction::engine::sync {

struct SyncContext {
  const config::SyncConfig &sync;
  std::map<std::string, plugin::ConnectorInstance *> connectors;  // by connector name
  store::StateStore &store;
  std::string actor;
};

struct SyncCounts {
  long long read = 0;
  long long linked = 0;
  long long created = 0;
  long long updated = 0;
  long long deleted = 0;
  long long failed = 0;
  long long reviews = 0;  // new items in the review queue
  // Writes a system declined because the record changed there since the cycle read it;
  // the next cycle merges that edit.
  long long deferred = 0;
};

// What a cycle would do (plan) or did (run).
struct SyncOutcome {
  std::string sync;
  std::string run_id;
  SyncModel model;
  CyclePlan plan;
  SyncCounts counts;
  bool failed = false;
  std::string message;
  double seconds = 0;
  // The key each planned write reached (a create's new key); "" where it failed.
  std::vector<std::string> written_keys;
  std::vector<std::string> write_errors;  // per planned write; "" where it succeeded
  std::vector<bool> deferred;             // per planned write: declined as stale
};

// Reads and plans; writes nothing anywhere (the store included).
SyncOutcome plan_sync(SyncContext &context);
// Reads, plans and applies.
SyncOutcome run_sync(SyncContext &context);

// How a plan's writes and reviews read for people: one line each.
std::vector<std::string> describe_plan(const SyncOutcome &outcome);

}  // namespace junction::engine::sync
