// junction errors retry | edit | discard | export: what an admin does with the queue.
// Every change is audited with the actor.
#include <map>
#include <ostream>

#include <soci/soci.h>

#include "app/config_check.hpp"
#include "app/error_queue.hpp"
#include "cli/actor.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_output.hpp"
#include "cli/plugin_options.hpp"
#include "cli/store_session.hpp"
#include "engine/field_names.hpp"
#include "engine/redrive.hpp"
#include "store/audit_log.hpp"
#include "store/error_queue_repository.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

std::vector<long long> ids_of(const po::variables_map &values) {
  return values.count("id") != 0U ? values["id"].as<std::vector<long long>>()
                                  : std::vector<long long>{};
}

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

int run_errors_retry(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<std::vector<long long>>()->composing(), "error ids")(
      "flow", po::value<std::string>(), "every open error of this flow")("all", "every open error");
  add_actor_option(options);
  add_plugin_path_option(options);
  po::positional_options_description positional;
  positional.add("id", -1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "(ID... | --flow NAME | --all) --config FILE [--actor NAME]",
                          options, values, code, &positional)) {
    return code;
  }
  const auto ids = ids_of(values);
  if (ids.empty() && values.count("flow") == 0U && values.count("all") == 0U) {
    command.err << "junction errors retry: name error ids, --flow NAME or --all\n";
    return exit_usage;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  const auto catalog = build_catalog(values, &session->config);
  auto checked = app::check_against_plugins(session->config, catalog, /*start_connectors=*/true);
  if (!checked.problems.empty()) {
    print_diagnostics(command.err, checked.problems);
    return exit_usage;
  }
  app::RetrySelection selection;
  for (const auto id : ids) selection.ids.push_back(id);
  if (values.count("flow") != 0U) selection.flow = values["flow"].as<std::string>();
  app::RetryOutcome outcome;
  try {
    outcome =
        app::retry_errors(*session->store, session->config, checked, selection, actor_of(values));
  } catch (const app::ErrorQueueError &e) {
    command.err << "junction errors retry: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception &e) {
    command.err << "junction errors retry: the retry failed as a whole: " << e.what() << "\n";
    return exit_failed;
  }
  for (const auto &note : outcome.notes) command.err << note << "\n";
  const std::size_t delivered = outcome.delivered;
  const std::size_t failed = outcome.failed;
  command.out << "retried " << (delivered + failed) << ": " << delivered << " delivered, " << failed
              << " still failing\n";
  return failed > 0 ? exit_records_queued : exit_ok;
}

int run_errors_edit(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<long long>()->required(), "error id")(
      "set", po::value<std::vector<std::string>>()->composing(), "FIELD=VALUE (repeatable)")(
      "null", po::value<std::vector<std::string>>()->composing(), "FIELD to set to null")(
      "add", "let --set and --null add fields the record does not have");
  add_actor_option(options);
  po::positional_options_description positional;
  positional.add("id", 1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "ID --set FIELD=VALUE... --config FILE [--actor NAME]", options,
                          values, code, &positional)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  store::ErrorQueueRepository errors(session->store->session());
  const long long id = values["id"].as<long long>();
  auto found = errors.find(id);
  if (!found) {
    command.err << "junction errors edit: no error with id " << id << "\n";
    return exit_usage;
  }
  if (found->state != "open") {
    command.err << "junction errors edit: error " << id << " is " << found->state << "\n";
    return exit_usage;
  }
  auto record = nlohmann::json::parse(found->record, nullptr, false);
  if (!record.is_object()) record = nlohmann::json::object();
  std::string changed;
  // A field the record does not have is a typo far more often than an intent.
  std::vector<std::string> existing;
  for (auto it = record.begin(); it != record.end(); ++it) {
    if (it.key() != "_raw") existing.push_back(it.key());
  }
  auto unknown = [&](const std::string &field) {
    if (values.count("add") != 0U || record.contains(field)) return false;
    command.err << "junction errors edit: error " << id << " has no field "
                << engine::field_with_suggestion(field, existing)
                << "; its fields are: " << engine::field_list_text(existing)
                << " (use --add to add a field)\n";
    return true;
  };
  if (values.count("set") != 0U) {
    for (const auto &assignment : values["set"].as<std::vector<std::string>>()) {
      const auto eq = assignment.find('=');
      if (eq == std::string::npos || eq == 0) {
        command.err << "junction errors edit: --set takes FIELD=VALUE, not '" << assignment
                    << "'\n";
        return exit_usage;
      }
      const std::string field = assignment.substr(0, eq);
      if (unknown(field)) return exit_usage;
      record[field] = assignment.substr(eq + 1);
      changed += (changed.empty() ? "" : ", ") + field;
    }
  }
  if (values.count("null") != 0U) {
    for (const auto &field : values["null"].as<std::vector<std::string>>()) {
      if (unknown(field)) return exit_usage;
      record[field] = nullptr;
      changed += (changed.empty() ? "" : ", ") + field;
    }
  }
  if (changed.empty()) {
    command.err << "junction errors edit: nothing to change (use --set FIELD=VALUE)\n";
    return exit_usage;
  }
  soci::transaction transaction(session->store->session());
  errors.replace_record(id, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  app::audit_error_action(*session->store, actor_of(values), "errors.edit", *found,
                          "changed " + changed);
  transaction.commit();
  command.out << "error " << id << ": changed " << changed
              << "; retry it with: junction errors retry " << id << " --config "
              << values["config"].as<std::string>() << "\n";
  return exit_ok;
}

int run_errors_discard(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<std::vector<long long>>()->composing(), "error ids")(
      "reason", po::value<std::string>()->required(), "why, for the audit");
  add_actor_option(options);
  po::positional_options_description positional;
  positional.add("id", -1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "ID... --reason TEXT --config FILE [--actor NAME]", options,
                          values, code, &positional)) {
    return code;
  }
  const auto ids = ids_of(values);
  if (ids.empty()) {
    command.err << "junction errors discard: name the error ids to discard\n";
    return exit_usage;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  try {
    app::discard_errors(*session->store, {ids.begin(), ids.end()},
                        values["reason"].as<std::string>(), actor_of(values));
  } catch (const app::ErrorQueueError &e) {
    command.err << "junction errors discard: " << e.what() << "\n";
    return exit_usage;
  }
  command.out << "discarded " << ids.size() << (ids.size() == 1 ? " error\n" : " errors\n");
  return exit_ok;
}

int run_errors_export(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "format", po::value<std::string>()->default_value("json"), "json or csv")(
      "flow", po::value<std::string>(), "only this flow")(
      "state", po::value<std::string>()->default_value("open"), "open, resolved, discarded or all");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--format json|csv] [--flow NAME] [--state S]",
                          options, values, code)) {
    return code;
  }
  const auto format = values["format"].as<std::string>();
  if (format != "json" && format != "csv") {
    command.err << "junction errors export: --format must be json or csv\n";
    return exit_usage;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  store::ErrorFilter filter;
  filter.state =
      values["state"].as<std::string>() == "all" ? "" : values["state"].as<std::string>();
  if (values.count("flow") != 0U) filter.flow = values["flow"].as<std::string>();
  filter.limit = 100000000;
  const auto rows = store::ErrorQueueRepository(session->store->session()).list(filter);
  auto record_of = [&](const store::FailedRecord &f) {
    auto record = nlohmann::json::parse(f.record, nullptr, false);
    if (record.is_discarded()) record = f.record;
    session->mask(f.flow, record);
    return record;
  };
  JsonOutput json;
  if (format == "json") {
    for (const auto &f : rows) {
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
                             {"record", record_of(f)}};
      command.out << json.dump(line) << "\n";
    }
    json.report(command.err, "errors");
    return exit_ok;
  }
  command.out << "id,flow,run_id,source_key,origin,stage,status,message,attempts,state,"
                 "first_failed_at,last_failed_at,resolved_at,resolved_by,resolution,record\n";
  for (const auto &f : rows) {
    command.out << f.id << "," << csv_cell(f.flow) << "," << csv_cell(f.run_id) << ","
                << csv_cell(f.source_key) << "," << csv_cell(f.origin) << "," << f.stage << ","
                << f.status << "," << csv_cell(f.message) << "," << f.attempts << "," << f.state
                << "," << f.first_failed_at << "," << f.last_failed_at << "," << f.resolved_at
                << "," << csv_cell(f.resolved_by) << "," << csv_cell(f.resolution) << ","
                << csv_cell(json.dump(record_of(f))) << "\n";
  }
  json.report(command.err, "errors");
  return exit_ok;
}

}  // namespace junction::cli
