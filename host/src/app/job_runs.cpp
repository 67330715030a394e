#include "app/job_runs.hpp"

#include "engine/flow_runner.hpp"
#include "engine/redrive.hpp"
#include "engine/sync/sync_runner.hpp"
#include "store/error_queue_repository.hpp"
#include "store/run_lock.hpp"
#include "store/store_failure.hpp"
#include "store/timestamps.hpp"

namespace junction::app {
namespace {

// Records that only failed for want of retries get another chance before the run.
std::string redrive_transient(const config::FlowConfig &flow, CheckedConfig &checked,
                              store::StateStore &state, const std::string &actor) {
  store::ErrorFilter filter;
  filter.flow = flow.name;
  filter.limit = 1000000;
  std::vector<store::FailedRecord> transient;
  for (auto &f : store::ErrorQueueRepository(state.session()).list(filter)) {
    if (f.status == "transient") transient.push_back(std::move(f));
  }
  if (transient.empty()) return "";
  try {
    const auto r =
        engine::redrive(flow, checked.mappings.at(flow.name),
                        *checked.connectors.at(flow.to.connector), state, transient, actor);
    return "retried " + std::to_string(transient.size()) +
           " queued records: " + std::to_string(r.delivered) + " delivered, " +
           std::to_string(r.failed) + " still failing";
  } catch (const std::exception &e) {
    return std::string("retrying queued records failed: ") + e.what();
  }
}

JobReport busy_report(const std::string &job, const std::string &kind, const std::string &holder) {
  JobReport busy;
  busy.job = job;
  busy.kind = kind;
  busy.busy = true;
  busy.failed = true;
  busy.started_at = busy.finished_at = store::utc_now_text();
  busy.message = "it is being run by " + holder + "; this run left it alone";
  return busy;
}

}  // namespace

std::string JobReport::result() const {
  if (busy) return "busy";
  if (interrupted) return "interrupted";
  if (failed) return "failed";
  return counts.failed > 0 ? "finished_with_errors" : "succeeded";
}

nlohmann::json JobReport::to_json() const {
  nlohmann::json counted = {{"read", counts.read},         {"created", counts.created},
                            {"updated", counts.updated},   {"unchanged", counts.unchanged},
                            {"deleted", counts.deleted},   {"failed", counts.failed},
                            {"filtered", counts.filtered}, {"written", counts.written}};
  if (kind == "sync") {
    counted.erase("unchanged");
    counted.erase("filtered");
    counted.erase("written");
    counted["linked"] = linked;
    counted["reviews"] = reviews;
    counted["deferred"] = deferred;
  }
  nlohmann::json out = {{kind, job},
                        {"kind", kind},
                        {"run_id", run_id},
                        {"result", result()},
                        {"started_at", started_at},
                        {"finished_at", finished_at},
                        {"seconds", seconds},
                        {"counts", counted}};
  if (!message.empty()) out["message"] = message;
  if (!note.empty()) out["note"] = note;
  if (!errors.empty()) out["errors"] = errors;
  return out;
}

JobReport run_flow_once(const config::FlowConfig &flow, CheckedConfig &checked,
                        store::StateStore &state, engine::Progress &progress,
                        const std::string &actor) {
  std::string holder;
  const auto lock = store::RunLock::try_acquire(state, "flow:" + flow.name, holder);
  if (!lock) return busy_report(flow.name, "flow", holder);
  JobReport report;
  report.job = flow.name;
  report.kind = "flow";
  report.started_at = store::utc_now_text();
  if (flow.definition.value("redrive_transient", false)) {
    report.note = redrive_transient(flow, checked, state, actor);
  }
  engine::FlowContext context{flow,
                              checked.mappings.at(flow.name),
                              *checked.connectors.at(flow.from.connector),
                              *checked.connectors.at(flow.to.connector),
                              state,
                              progress,
                              actor};
  const auto r = engine::run_flow(context);
  report.finished_at = store::utc_now_text();
  report.run_id = r.run_id;
  report.counts = r.counts;
  report.failed = r.failed;
  report.interrupted = r.interrupted;
  report.reading = r.reading;
  report.message = r.message;
  report.seconds = r.seconds;
  return report;
}

JobReport run_sync_once(const config::SyncConfig &sync, CheckedConfig &checked,
                        store::StateStore &state, const std::string &actor) {
  std::string holder;
  const auto lock = store::RunLock::try_acquire(state, "sync:" + sync.name, holder);
  if (!lock) return busy_report(sync.name, "sync", holder);
  JobReport report;
  report.job = sync.name;
  report.kind = "sync";
  report.started_at = store::utc_now_text();
  engine::sync::SyncContext context{sync, {}, state, actor};
  for (auto &[name, connector] : checked.connectors) context.connectors[name] = connector.get();
  engine::sync::SyncOutcome outcome;
  try {
    outcome = engine::sync::run_sync(context);
  } catch (const std::exception &e) {
    outcome.sync = sync.name;
    outcome.failed = true;
    outcome.message = store::readable_failure(e.what());
  }
  report.finished_at = store::utc_now_text();
  report.run_id = outcome.run_id;
  report.counts.read = outcome.counts.read;
  report.counts.created = outcome.counts.created;
  report.counts.updated = outcome.counts.updated;
  report.counts.deleted = outcome.counts.deleted;
  report.counts.failed = outcome.counts.failed;
  report.linked = outcome.counts.linked;
  report.reviews = outcome.counts.reviews;
  report.deferred = outcome.counts.deferred;
  report.failed = outcome.failed;
  report.message = outcome.message;
  report.seconds = outcome.seconds;
  for (const auto &e : outcome.write_errors) {
    if (!e.empty()) report.errors.push_back(e);
  }
  return report;
}

QueueTally tally_queued(store::StateStore &state, const std::vector<JobReport> &runs) {
  QueueTally tally;
  std::int64_t failed = 0;
  try {
    store::ErrorQueueRepository errors(state.session());
    for (const auto &r : runs) {
      failed += r.counts.failed;
      if (r.run_id.empty()) continue;
      tally.added += errors.count_new_in_run(r.run_id);
      tally.open += errors.count_open_in_run(r.run_id);
    }
  } catch (const std::exception &) {
    tally.added = tally.open = failed;  // the store failed; the run's own count stands
  }
  return tally;
}

}  // namespace junction::app
