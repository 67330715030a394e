// `junction status` as a use case: the store, what it holds, each flow and sync (last run,
// result, lag, next run) and each API account's use today.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/job_status.hpp"
#include "config/host_config.hpp"
#include "store/state_store.hpp"
#include "store/store_summary.hpp"

namespace junction::app {

struct AccountStatus {
  std::string account;
  std::int64_t requests_today = 0;
  std::int64_t per_day = 0;  // 0: no daily budget
};

struct StatusReport {
  std::string store;
  int schema_version = 0;
  int latest_schema_version = 0;
  std::size_t flows_configured = 0;
  store::StoreSummary held;
  std::string day;  // today, UTC
  std::vector<AccountStatus> accounts;
  std::vector<JobStatus> jobs;
  nlohmann::json to_json() const;
};

// Throws what the store throws.
StatusReport status_report(const config::HostConfig &config, store::StateStore &state,
                           std::chrono::system_clock::time_point now);

}  // namespace junction::app
