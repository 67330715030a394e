// What the service and `junction status` show of a flow or sync: its schedule, its last
// run and success, how far behind it is, and when it runs next.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/job_runs.hpp"
#include "config/host_config.hpp"
#include "store/run_repository.hpp"
#include "store/state_store.hpp"

namespace junction::app {

// One flow or sync.
struct JobStatus {
  std::string name;
  std::string kind;  // flow or sync
  std::string schedule;
  bool running = false;
  bool pending = false;  // a run is due or asked for and waits for a worker
  std::optional<JobReport> last;
  std::string last_success_at;        // "" when none known
  std::string next_run_at;            // "" when only on demand or on change
  std::optional<double> lag_seconds;  // since the last success
  nlohmann::json to_json() const;
};

// A recorded run as a report (its counts and result, without what only the run knew).
JobReport report_of(const store::RunRow &run);

// Every enabled flow and sync of `config` as its recorded runs show it; `next_run_at` is
// when the service would run it next.
std::vector<JobStatus> job_statuses(const config::HostConfig &config, store::StateStore &state,
                                    std::chrono::system_clock::time_point now);

}  // namespace junction::app
