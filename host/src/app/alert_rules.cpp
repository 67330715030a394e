#include "app/alert_rules.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace junction::app {
namespace {

bool watches(const config::AlertRule &rule, const std::string &job) {
  return rule.jobs.empty() || rule.jobs.contains(job);
}

double median(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1
             ? static_cast<double>(values[n / 2])
             : (static_cast<double>(values[n / 2 - 1]) + static_cast<double>(values[n / 2])) / 2;
}

std::string duration_text(std::chrono::milliseconds d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s % 86400 == 0 && s > 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0 && s > 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0 && s > 0) return std::to_string(s / 60) + "m";
  if (d.count() % 1000 == 0) return std::to_string(s) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

std::vector<ActiveAlert> evaluate_alerts(const std::vector<config::AlertRule> &rules,
                                         const std::vector<JobObservation> &jobs,
                                         const std::vector<AccountObservation> &accounts,
                                         SystemTime now) {
  std::vector<ActiveAlert> active;
  for (const auto &rule : rules) {
    if (rule.when == "budget_used_above") {
      for (const auto &a : accounts) {
        if (a.per_day <= 0 || (!rule.account.empty() && rule.account != a.account)) continue;
        const double used =
            100.0 * static_cast<double>(a.used_today) / static_cast<double>(a.per_day);
        if (used > rule.percent) {
          active.push_back({rule.name, a.account,
                            fmt::format("API account {} has used {:.1f}% of its daily budget "
                                        "({} of {} requests; the alert is above {}%)",
                                        a.account, used, a.used_today, a.per_day, rule.percent)});
        }
      }
      continue;
    }
    for (const auto &j : jobs) {
      if (!watches(rule, j.job)) continue;
      if (rule.when == "run_failed" && j.last_run_failed) {
        active.push_back({rule.name, j.job, j.job + " failed: " + j.last_run_message});
      } else if (rule.when == "no_success_for") {
        const SystemTime since = j.last_success.value_or(j.watched_since);
        if (now - since > rule.duration) {
          active.push_back(
              {rule.name, j.job,
               j.job + " has not succeeded for more than " + duration_text(rule.duration)});
        }
      } else if (rule.when == "error_queue_above" && j.open_errors > rule.count) {
        active.push_back({rule.name, j.job,
                          fmt::format("{} has {} open records in the error queue (the alert "
                                      "is above {})",
                                      j.job, j.open_errors, rule.count)});
      } else if (rule.when == "volume_unusual" && j.last_run_read && !j.last_run_failed) {
        std::vector<std::int64_t> window(
            j.earlier_reads.begin(),
            j.earlier_reads.begin() +
                static_cast<long>(std::min<std::size_t>(j.earlier_reads.size(),
                                                        static_cast<std::size_t>(rule.runs))));
        if (window.size() < 3) continue;  // too little history to call anything unusual
        const double m = median(window);
        const auto read = static_cast<double>(*j.last_run_read);
        if (m > 0 && (read > m * rule.factor || read < m / rule.factor)) {
          active.push_back({rule.name, j.job,
                            fmt::format("{} read {} records; the median of its {} runs before "
                                        "is {} (the alert is beyond {}x either way)",
                                        j.job, *j.last_run_read, window.size(), m, rule.factor)});
        }
      } else if (rule.when == "latency_above" && j.last_latency_seconds &&
                 *j.last_latency_seconds * 1000 > static_cast<double>(rule.duration.count())) {
        active.push_back(
            {rule.name, j.job,
             fmt::format("{} took {:.3f} s from a change to its write (the alert "
                         "is above {})",
                         j.job, *j.last_latency_seconds, duration_text(rule.duration))});
      }
    }
  }
  return active;
}

std::vector<AlertEvent> AlertTracker::update(const std::vector<ActiveAlert> &active,
                                             SystemTime now) {
  std::vector<AlertEvent> events;
  std::map<std::string, const ActiveAlert *> holding;
  for (const auto &a : active) holding.emplace(a.key(), &a);
  for (auto it = firing_.begin(); it != firing_.end();) {
    if (holding.contains(it->first)) {
      ++it;
      continue;
    }
    AlertEvent resolved = it->second;
    resolved.status = "resolved";
    resolved.at = now;
    events.push_back(resolved);
    it = firing_.erase(it);
  }
  for (const auto &[key, a] : holding) {
    if (firing_.contains(key)) continue;
    AlertEvent fired{"firing", *a, now, now};
    firing_.emplace(key, fired);
    events.push_back(fired);
  }
  return events;
}

std::vector<AlertEvent> AlertTracker::firing() const {
  std::vector<AlertEvent> out;
  for (const auto &[key, e] : firing_) out.push_back(e);
  return out;
}

}  // namespace junction::app
