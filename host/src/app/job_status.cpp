#include "app/job_status.hpp"

#include "store/timestamps.hpp"

namespace junction::app {

using json = nlohmann::json;

json JobStatus::to_json() const {
  json out = {{"name", name},
              {"kind", kind},
              {"schedule", schedule},
              {"running", running},
              {"pending", pending}};
  out["last_run"] = last ? last->to_json() : json(nullptr);
  out["last_success_at"] = last_success_at.empty() ? json(nullptr) : json(last_success_at);
  out["next_run_at"] = next_run_at.empty() ? json(nullptr) : json(next_run_at);
  out["lag_seconds"] = lag_seconds ? json(*lag_seconds) : json(nullptr);
  return out;
}

JobReport report_of(const store::RunRow &run) {
  JobReport r;
  const bool sync = run.flow.rfind("sync:", 0) == 0;
  r.kind = sync ? "sync" : "flow";
  r.job = sync ? run.flow.substr(5) : run.flow;
  r.run_id = run.run_id;
  r.started_at = run.started_at;
  r.finished_at = run.finished_at;
  r.counts = run.counts;
  r.failed = run.status == "failed";
  r.interrupted = run.status == "interrupted" || run.status == "running";
  r.message = run.message;
  const auto started = store::parse_utc_text(run.started_at);
  const auto finished = store::parse_utc_text(run.finished_at);
  if (started && finished) r.seconds = std::chrono::duration<double>(*finished - *started).count();
  return r;
}

std::vector<JobStatus> job_statuses(const config::HostConfig &config, store::StateStore &state,
                                    std::chrono::system_clock::time_point now) {
  store::RunRepository runs(state.session());
  std::vector<JobStatus> out;
  const auto add = [&](const std::string &name, const std::string &kind,
                       const config::Schedule &schedule) {
    JobStatus s;
    s.name = name;
    s.kind = kind;
    s.schedule = schedule.describe();
    std::optional<std::chrono::system_clock::time_point> last_start;
    for (const auto &row : runs.recent(kind == "sync" ? "sync:" + name : name, 50)) {
      if (!s.last) {
        s.last = report_of(row);
        s.running = row.status == "running";
        last_start = store::parse_utc_text(row.started_at);
      }
      if (row.status == "finished" || row.status == "finished_with_errors") {
        s.last_success_at = row.finished_at;
        if (const auto t = store::parse_utc_text(row.finished_at)) {
          s.lag_seconds = std::chrono::duration<double>(now - *t).count();
        }
        break;
      }
    }
    if (const auto next = schedule.next_due(last_start, now))
      s.next_run_at = store::utc_text(*next);
    out.push_back(std::move(s));
  };
  for (const auto &f : config.flows) {
    if (f.enabled) add(f.name, "flow", f.schedule);
  }
  for (const auto &y : config.syncs) {
    if (y.enabled) add(y.name, "sync", y.schedule);
  }
  return out;
}

}  // namespace junction::app
