#include "app/error_queue.hpp"

#include <algorithm>

#include <soci/soci.h>

#include <ostream>

#include "app/json_output.hpp"
#include "engine/field_names.hpp"
#include "engine/mapping.hpp"
#include "engine/record_text.hpp"
#include "engine/redrive.hpp"
#include "store/audit_log.hpp"

namespace junction::app {

void audit_error_action(store::StateStore &state, const std::string &actor,
                        const std::string &action, const store::FailedRecord &f,
                        const std::string &detail) {
  store::AuditEntry e;
  e.actor = actor;
  e.action = action;
  e.flow = f.flow;
  e.source_connector = f.source_connector;
  e.source_key = f.source_key;
  e.detail = "error " + std::to_string(f.id) + ": " + detail;
  std::vector<store::AuditEntry> entries{e};
  store::AuditLog(state.session(), state.backend()).append(entries);
}

namespace {

store::FailedRecord open_entry(store::ErrorQueueRepository &errors, std::int64_t id) {
  auto f = errors.find(id);
  if (!f) throw ErrorQueueError("no error with id " + std::to_string(id));
  if (f->state != "open") throw ErrorQueueError("error " + std::to_string(id) + " is " + f->state);
  return *f;
}

}  // namespace

std::map<std::string, std::set<std::string>> sensitive_fields(const config::HostConfig &config) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto &flow : config.flows) {
    config::Diagnostics ignored;
    const auto mapping = engine::Mapping::compile(flow, config.file.string(), ignored);
    out[flow.name] = mapping.sensitive_sources();
  }
  return out;
}

nlohmann::json failed_record_json(const store::FailedRecord &f,
                                  const std::set<std::string> &sensitive) {
  nlohmann::json record = nlohmann::json::parse(f.record, nullptr, false);
  if (record.is_discarded()) record = f.record;
  if (record.is_object()) {
    for (const auto &field : sensitive) {
      if (record.contains(field) && !record[field].is_null()) record[field] = "***";
    }
    if (!sensitive.empty() && record.contains("_raw"))
      record["_raw"] = "*** (holds sensitive fields)";
  }
  nlohmann::json out = {{"id", f.id},
                        {"flow", f.flow},
                        {"run_id", f.run_id},
                        {"source", f.source_connector + "/" + f.source_entity},
                        {"source_key", engine::readable_key(f.source_key)},
                        {"origin", f.origin},
                        {"stage", f.stage},
                        {"status", f.status},
                        {"message", f.message},
                        {"record", record},
                        {"attempts", f.attempts},
                        {"state", f.state},
                        {"first_failed_at", f.first_failed_at},
                        {"last_failed_at", f.last_failed_at}};
  if (f.state != "open") {
    out["resolved_at"] = f.resolved_at;
    out["resolved_by"] = f.resolved_by;
    out["resolution"] = f.resolution;
  }
  return out;
}

nlohmann::json list_errors(store::StateStore &state, const config::HostConfig &config,
                           const store::ErrorFilter &filter) {
  const auto sensitive = sensitive_fields(config);
  nlohmann::json out = nlohmann::json::array();
  for (const auto &f : store::ErrorQueueRepository(state.session()).list(filter)) {
    const auto s = sensitive.find(f.flow);
    out.push_back(
        failed_record_json(f, s == sensitive.end() ? std::set<std::string>{} : s->second));
  }
  return out;
}

std::optional<nlohmann::json> show_error(store::StateStore &state, const config::HostConfig &config,
                                         std::int64_t id) {
  const auto f = store::ErrorQueueRepository(state.session()).find(id);
  if (!f) return std::nullopt;
  const auto sensitive = sensitive_fields(config);
  const auto s = sensitive.find(f->flow);
  return failed_record_json(*f, s == sensitive.end() ? std::set<std::string>{} : s->second);
}

void discard_errors(store::StateStore &state, const std::vector<std::int64_t> &ids,
                    const std::string &reason, const std::string &actor) {
  store::ErrorQueueRepository errors(state.session());
  soci::transaction transaction(state.session());
  for (const auto id : ids) {
    const auto found = open_entry(errors, id);
    errors.resolve(id, "discarded", reason, actor);
    audit_error_action(state, actor, "errors.discard", found, "discarded: " + reason);
  }
  transaction.commit();
}

std::string edit_error(store::StateStore &state, std::int64_t id, const ErrorEdit &edit,
                       const std::string &actor) {
  store::ErrorQueueRepository errors(state.session());
  const auto found = open_entry(errors, id);
  auto record = nlohmann::json::parse(found.record, nullptr, false);
  if (!record.is_object()) record = nlohmann::json::object();
  // A field the record does not have is a typo far more often than an intent.
  std::vector<std::string> existing;
  for (auto it = record.begin(); it != record.end(); ++it) {
    if (it.key() != "_raw") existing.push_back(it.key());
  }
  const auto check_known = [&](const std::string &field) {
    if (edit.add || record.contains(field)) return;
    throw ErrorQueueError("error " + std::to_string(id) + " has no field " +
                          engine::field_with_suggestion(field, existing) +
                          "; its fields are: " + engine::field_list_text(existing) +
                          " (add it explicitly to add a field)");
  };
  std::string changed;
  for (const auto &[field, value] : edit.set) {
    check_known(field);
    record[field] = value;
    changed += (changed.empty() ? "" : ", ") + field;
  }
  for (const auto &field : edit.nulls) {
    check_known(field);
    record[field] = nullptr;
    changed += (changed.empty() ? "" : ", ") + field;
  }
  if (changed.empty()) throw ErrorQueueError("nothing to change");
  soci::transaction transaction(state.session());
  errors.replace_record(id, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  audit_error_action(state, actor, "errors.edit", found, "changed " + changed);
  transaction.commit();
  return changed;
}

namespace {

std::string csv_cell(const std::string &text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::size_t export_errors(store::StateStore &state, const config::HostConfig &config,
                          const store::ErrorFilter &filter, const std::string &format,
                          std::ostream &out) {
  const auto sensitive = sensitive_fields(config);
  const auto rows = store::ErrorQueueRepository(state.session()).list(filter);
  JsonOutput json;
  if (format == "csv") {
    out << "id,flow,run_id,source_key,origin,stage,status,message,attempts,state,"
           "first_failed_at,last_failed_at,resolved_at,resolved_by,resolution,record\n";
  }
  for (const auto &f : rows) {
    const auto s = sensitive.find(f.flow);
    const auto view =
        failed_record_json(f, s == sensitive.end() ? std::set<std::string>{} : s->second);
    if (format == "csv") {
      out << f.id << "," << csv_cell(f.flow) << "," << csv_cell(f.run_id) << ","
          << csv_cell(f.source_key) << "," << csv_cell(f.origin) << "," << f.stage << ","
          << f.status << "," << csv_cell(f.message) << "," << f.attempts << "," << f.state << ","
          << f.first_failed_at << "," << f.last_failed_at << "," << f.resolved_at << ","
          << csv_cell(f.resolved_by) << "," << csv_cell(f.resolution) << ","
          << csv_cell(json.dump(view["record"])) << "\n";
      continue;
    }
    nlohmann::json line = {{"id", f.id},
                           {"flow", f.flow},
                           {"run_id", f.run_id},
                           {"source_key", f.source_key},
                           {"origin", f.origin},
                           {"stage", f.stage},
                           {"status", f.status},
                           {"message", f.message},
                           {"attempts", f.attempts},
                           {"state", f.state},
                           {"first_failed_at", f.first_failed_at},
                           {"last_failed_at", f.last_failed_at},
                           {"resolved_at", f.resolved_at},
                           {"resolved_by", f.resolved_by},
                           {"resolution", f.resolution},
                           {"record", view["record"]}};
    out << json.dump(line) << "\n";
  }
  return json.replaced();
}

RetryOutcome retry_errors(store::StateStore &state, const config::HostConfig &config,
                          CheckedConfig &checked, const RetrySelection &selection,
                          const std::string &actor) {
  store::ErrorQueueRepository errors(state.session());
  std::vector<store::FailedRecord> chosen;
  if (!selection.ids.empty()) {
    for (const auto id : selection.ids) chosen.push_back(open_entry(errors, id));
  } else {
    store::ErrorFilter filter;
    filter.flow = selection.flow;
    filter.limit = 1000000;
    chosen = errors.list(filter);
  }
  std::map<std::string, std::vector<store::FailedRecord>> by_flow;
  for (auto &f : chosen) by_flow[f.flow].push_back(std::move(f));
  RetryOutcome outcome;
  for (auto &[flow_name, records] : by_flow) {
    const std::string &wanted = flow_name;  // a name a lambda can capture
    const auto flow =
        std::find_if(config.flows.begin(), config.flows.end(),
                     [&wanted](const config::FlowConfig &f) { return f.name == wanted; });
    if (flow == config.flows.end()) {
      outcome.notes.push_back(std::to_string(records.size()) + " errors of flow " + flow_name +
                              " were left alone: that flow is no longer in the config");
      outcome.failed += records.size();
      continue;
    }
    const auto result =
        engine::redrive(*flow, checked.mappings.at(flow_name),
                        *checked.connectors.at(flow->to.connector), state, records, actor);
    outcome.delivered += result.delivered;
    outcome.failed += result.failed;
  }
  return outcome;
}

}  // namespace junction::app
