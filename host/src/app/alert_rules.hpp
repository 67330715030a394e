// Which alerts hold now, from what the service observed of its flows, syncs and API
// accounts; and which of them started or ended since the last look. Pure: the caller
// supplies the observations and the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/service_config.hpp"

namespace junction::app {

using SystemTime = std::chrono::system_clock::time_point;

struct JobObservation {
  std::string job;
  bool last_run_failed = false;
  std::string last_run_message;
  std::optional<std::int64_t> last_run_read;  // records the last finished run read
  std::vector<std::int64_t> earlier_reads;    // the runs before it, latest first
  std::optional<SystemTime> last_success;
  SystemTime watched_since;  // when the service began to watch it
  std::int64_t open_errors = 0;
  std::optional<double> last_latency_seconds;  // change noticed to run finished
};

struct AccountObservation {
  std::string account;
  std::int64_t used_today = 0;
  std::int64_t per_day = 0;  // 0: no daily budget
};

struct ActiveAlert {
  std::string rule;
  std::string subject;  // the flow, sync or account it is about
  std::string summary;  // one sentence for people
  std::string key() const { return rule + "|" + subject; }
};

std::vector<ActiveAlert> evaluate_alerts(const std::vector<config::AlertRule> &rules,
                                         const std::vector<JobObservation> &jobs,
                                         const std::vector<AccountObservation> &accounts,
                                         SystemTime now);

struct AlertEvent {
  std::string status;  // firing or resolved
  ActiveAlert alert;
  SystemTime started;
  SystemTime at;
};

// Remembers which alerts hold; each alert fires once when it starts and resolves once
// when it ends.
class AlertTracker {
 public:
  std::vector<AlertEvent> update(const std::vector<ActiveAlert> &active, SystemTime now);
  std::vector<AlertEvent> firing() const;

 private:
  std::map<std::string, AlertEvent> firing_;
};

}  // namespace junction::app
