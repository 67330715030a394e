#include "app/status_report.hpp"

#include <map>

#include "engine/quota_governor.hpp"
#include "store/migrations.hpp"
#include "store/quota_repository.hpp"

namespace junction::app {

nlohmann::json StatusReport::to_json() const {
  nlohmann::json out = {{"store", store},
                        {"schema_version", schema_version},
                        {"latest_schema_version", latest_schema_version},
                        {"flows_configured", flows_configured},
                        {"runs", held.runs},
                        {"records_known", held.records_known},
                        {"open_errors", held.open_errors},
                        {"audit_entries", held.audit_entries},
                        {"pending_webhook_events", held.pending_webhook_events},
                        {"day", day},
                        {"accounts", nlohmann::json::array()},
                        {"jobs", nlohmann::json::array()}};
  for (const auto &a : accounts) {
    nlohmann::json account = {{"account", a.account}, {"requests_today", a.requests_today}};
    account["requests_per_day"] = a.per_day > 0 ? nlohmann::json(a.per_day) : nullptr;
    account["remaining_today"] =
        a.per_day > 0 ? nlohmann::json(std::max<std::int64_t>(0, a.per_day - a.requests_today))
                      : nullptr;
    out["accounts"].push_back(account);
  }
  for (const auto &j : jobs) out["jobs"].push_back(j.to_json());
  return out;
}

StatusReport status_report(const config::HostConfig &config, store::StateStore &state,
                           std::chrono::system_clock::time_point now) {
  StatusReport r;
  r.store = state.display_name();
  r.schema_version = state.schema_version();
  r.latest_schema_version = store::latest_schema_version();
  r.flows_configured = config.flows.size();
  r.held = store::summarize_store(state.session());
  // Each API account's requests today (all processes) and its daily budget.
  r.day = engine::QuotaGovernor::day_of(now);
  std::map<std::string, AccountStatus> accounts;
  for (const auto &[name, limits] : config.accounts) {
    accounts[name] = {name, 0, limits.requests_per_day};
  }
  for (const auto &d : store::QuotaRepository(state.session()).on_day(r.day)) {
    auto &a = accounts[d.account];
    a.account = d.account;
    a.requests_today = d.requests;
    if (a.per_day == 0) a.per_day = d.per_day;
  }
  for (auto &[name, a] : accounts) r.accounts.push_back(a);
  r.jobs = job_statuses(config, state, now);
  return r;
}

}  // namespace junction::app
