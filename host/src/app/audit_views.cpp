#include "app/audit_views.hpp"

namespace junction::app {

nlohmann::json audit_entry_json(const store::AuditEntry &e) {
  return {{"seq", e.seq},
          {"at", e.at},
          {"actor", e.actor},
          {"action", e.action},
          {"flow", e.flow},
          {"run_id", e.run_id},
          {"source", e.source_connector},
          {"source_key", e.source_key},
          {"target", e.target_connector},
          {"target_key", e.target_key},
          {"operation", e.operation},
          {"changed_fields", e.changed_fields},
          {"hash_before", e.hash_before},
          {"hash_after", e.hash_after},
          {"detail", e.detail},
          {"prev_hash", e.prev_hash},
          {"entry_hash", e.entry_hash},
          {"chain", e.chain},
          {"batch", e.batch},
          {"batch_hash", e.batch_hash}};
}

nlohmann::json list_audit(store::StateStore &state, const store::AuditFilter &filter) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &e : store::AuditLog(state.session(), state.backend()).list(filter)) {
    out.push_back(audit_entry_json(e));
  }
  return out;
}

nlohmann::json verify_audit(store::StateStore &state) {
  const auto v = store::AuditLog(state.session(), state.backend()).verify();
  nlohmann::json out = {{"intact", v.intact}, {"entries", v.entries}, {"chains", v.chains}};
  if (!v.intact) {
    out["where"] = v.where;
    out["problem"] = v.problem;
  }
  return out;
}

nlohmann::json run_json(const store::RunRow &run) {
  const bool sync = run.flow.rfind("sync:", 0) == 0;
  nlohmann::json out = {{"run_id", run.run_id},
                        {"kind", sync ? "sync" : "flow"},
                        {"name", sync ? run.flow.substr(5) : run.flow},
                        {"started_at", run.started_at},
                        {"finished_at", run.finished_at.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(run.finished_at)},
                        {"status", run.status},
                        {"actor", run.actor},
                        {"counts",
                         {{"read", run.counts.read},
                          {"created", run.counts.created},
                          {"updated", run.counts.updated},
                          {"unchanged", run.counts.unchanged},
                          {"deleted", run.counts.deleted},
                          {"failed", run.counts.failed},
                          {"written", run.counts.written}}}};
  if (!run.message.empty()) out["message"] = run.message;
  return out;
}

nlohmann::json list_runs(store::StateStore &state, const std::string &job, int limit,
                         const std::string &status) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &r : store::RunRepository(state.session()).recent(job, limit, status)) {
    out.push_back(run_json(r));
  }
  return out;
}

std::optional<nlohmann::json> find_run(store::StateStore &state, const std::string &run_id) {
  const auto r = store::RunRepository(state.session()).find(run_id);
  if (!r) return std::nullopt;
  return run_json(*r);
}

}  // namespace junction::app
