// junction errors retry | edit | discard | export: what an admin does with the queue.
// Every change is audited with the actor.
#include <map>
#include <ostream>

#include <soci/soci.h>

#include "app/config_check.hpp"
#include "app/error_queue.hpp"
#include "app/json_output.hpp"
#include "cli/actor.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
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
  const long long id = values["id"].as<long long>();
  app::ErrorEdit edit;
  edit.add = values.count("add") != 0U;
  if (values.count("set") != 0U) {
    for (const auto &assignment : values["set"].as<std::vector<std::string>>()) {
      const auto eq = assignment.find('=');
      if (eq == std::string::npos || eq == 0) {
        command.err << "junction errors edit: --set takes FIELD=VALUE, not '" << assignment
                    << "'\n";
        return exit_usage;
      }
      edit.set.emplace_back(assignment.substr(0, eq), assignment.substr(eq + 1));
    }
  }
  if (values.count("null") != 0U) edit.nulls = values["null"].as<std::vector<std::string>>();
  std::string changed;
  try {
    changed = app::edit_error(*session->store, id, edit, actor_of(values));
  } catch (const app::ErrorQueueError &e) {
    std::string message = e.what();
    if (message == "nothing to change") message += " (use --set FIELD=VALUE)";
    const auto add_hint = message.find("(add it explicitly to add a field)");
    if (add_hint != std::string::npos) {
      message.replace(add_hint, std::string("(add it explicitly to add a field)").size(),
                      "(use --add to add a field)");
    }
    command.err << "junction errors edit: " << message << "\n";
    return exit_usage;
  }
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
  const auto replaced =
      app::export_errors(*session->store, session->config, filter, format, command.out);
  if (replaced > 0) {
    command.err << "note: bytes that are not UTF-8 were written as U+FFFD in " << replaced
                << " of the errors\n";
  }
  return exit_ok;
}

}  // namespace junction::cli
