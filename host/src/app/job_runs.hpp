// Running one flow or one sync once, as every face does it (`junction sync`, the service's
// scheduler, the API's run-now): under its run lock, transient failures of a flow re-driven
// first when it asks for that, and the outcome as one report both faces can show.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config_check.hpp"
#include "config/host_config.hpp"
#include "engine/progress.hpp"
#include "store/run_repository.hpp"
#include "store/state_store.hpp"

namespace junction::app {

struct JobReport {
  std::string job;   // the flow's or sync's name
  std::string kind;  // "flow" or "sync"
  std::string run_id;
  std::string started_at;  // UTC, ISO 8601
  std::string finished_at;
  double seconds = 0;
  store::RunCounts counts;
  std::int64_t linked = 0;   // syncs: records linked to their counterparts
  std::int64_t reviews = 0;  // syncs: new items in the review queue
  // syncs: writes declined because the record changed there since the cycle read it
  std::int64_t deferred = 0;
  bool failed = false;
  bool interrupted = false;         // stopped on request after a checkpoint
  bool busy = false;                // another run held it; this one did nothing
  bool reading = false;             // a flow got as far as reading (its cursor applies)
  std::string message;              // why it failed
  std::string note;                 // what happened before the run (queued records re-driven)
  std::vector<std::string> errors;  // syncs: each failed write, in words

  // "succeeded", "finished_with_errors", "failed", "interrupted" or "busy".
  std::string result() const;
  nlohmann::json to_json() const;
};

JobReport run_flow_once(const config::FlowConfig &flow, CheckedConfig &checked,
                        store::StateStore &state, engine::Progress &progress,
                        const std::string &actor);

JobReport run_sync_once(const config::SyncConfig &sync, CheckedConfig &checked,
                        store::StateStore &state, const std::string &actor);

// Of the records these runs failed: how many are new in the error queue and how many of
// the queue's open entries they account for (a record failing as before is the same entry).
struct QueueTally {
  std::int64_t added = 0;
  std::int64_t open = 0;
};
QueueTally tally_queued(store::StateStore &state, const std::vector<JobReport> &runs);

}  // namespace junction::app
