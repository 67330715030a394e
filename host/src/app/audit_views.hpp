// The audit log and the run history as both faces show them: JSON objects with every field.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "store/audit_log.hpp"
#include "store/run_repository.hpp"
#include "store/state_store.hpp"

namespace junction::app {

nlohmann::json audit_entry_json(const store::AuditEntry &e);
nlohmann::json list_audit(store::StateStore &state, const store::AuditFilter &filter);
// {"intact", "entries", "chains"} and, when broken, "where" and "problem".
nlohmann::json verify_audit(store::StateStore &state);

nlohmann::json run_json(const store::RunRow &run);
// `job` "" for every flow and sync; a sync's runs are named "sync:NAME".
nlohmann::json list_runs(store::StateStore &state, const std::string &job, int limit,
                         const std::string &status);
std::optional<nlohmann::json> find_run(store::StateStore &state, const std::string &run_id);

}  // namespace junction::app
