// What the next cycle of a sync would do, read from every system and written nowhere: as
// lines for people and as one JSON object per planned action. Shared by `junction plan` and
// GET /v1/plan.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config_check.hpp"
#include "config/host_config.hpp"
#include "store/state_store.hpp"

namespace junction::app {

struct SyncPlanReport {
  std::string sync;
  long long read = 0;
  long long links = 0;
  long long creates = 0;
  long long updates = 0;
  long long deletes = 0;
  long long reviews = 0;
  std::vector<std::string> lines;       // one per planned action, for people
  std::vector<nlohmann::json> actions;  // one per planned action, in the same order
  nlohmann::json to_json() const;
};

// Throws what reading the systems throws.
SyncPlanReport plan_sync_once(const config::SyncConfig &sync, CheckedConfig &checked,
                              store::StateStore &state);

}  // namespace junction::app
