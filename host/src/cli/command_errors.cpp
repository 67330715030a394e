// junction errors list | show: the records that could not be delivered.
#include <iomanip>
#include <ostream>

#include <limits>

#include <nlohmann/json.hpp>

#include "app/error_queue.hpp"
#include "app/json_output.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "cli/store_session.hpp"
#include "config/host_config.hpp"
#include "engine/record_text.hpp"
#include "store/error_queue_repository.hpp"
#include "store/state_store.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;
using engine::readable_key;

std::string one_line(std::string text, std::size_t limit) {
  for (char &c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
  return text;
}

nlohmann::json to_json(const store::FailedRecord &f, const StoreSession &session) {
  const auto sensitive = session.sensitive_by_flow.find(f.flow);
  return app::failed_record_json(f, sensitive == session.sensitive_by_flow.end()
                                        ? std::set<std::string>{}
                                        : sensitive->second);
}

}  // namespace

int run_errors_list(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "flow", po::value<std::string>(), "only this flow")(
      "since", po::value<std::string>(), "only failures at or after this time (ISO 8601, UTC)")(
      "limit", po::value<int>()->default_value(1000), "at most this many, oldest first")(
      "all", "every matching error, however many")("json", "print JSON");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--flow NAME] [--since TIME] [--json]", options,
                          values, code)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  store::ErrorFilter filter;
  if (values.count("flow") != 0U) filter.flow = values["flow"].as<std::string>();
  if (values.count("since") != 0U) filter.since = values["since"].as<std::string>();
  filter.limit =
      values.count("all") != 0U ? std::numeric_limits<int>::max() : values["limit"].as<int>();
  store::ErrorQueueRepository errors(session->store->session());
  const auto rows = errors.list(filter);
  // A listing cut at its limit says so: the newest errors are the ones left out.
  auto note_cut = [&] {
    if (rows.size() < static_cast<std::size_t>(filter.limit)) return;
    const long long total = errors.count(filter);
    if (total > filter.limit) {
      command.err << "showing the oldest " << filter.limit << " of " << total
                  << " errors; use --limit N, --since TIME or --all\n";
    }
  };
  if (values.count("json") != 0U) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &f : rows) out.push_back(to_json(f, *session));
    app::JsonOutput json;
    command.out << json.dump(out, 2) << "\n";
    json.report(command.err, "errors");
    note_cut();
    return exit_ok;
  }
  command.out << std::left << std::setw(7) << "ID" << std::setw(22) << "FLOW" << std::setw(10)
              << "STAGE" << std::setw(26) << "WHERE" << std::setw(18) << "KEY"
              << "PROBLEM\n";
  for (const auto &f : rows) {
    command.out << std::left << std::setw(7) << f.id << std::setw(22) << one_line(f.flow, 21)
                << std::setw(10) << f.stage << std::setw(26) << one_line(f.origin, 25)
                << std::setw(18) << one_line(readable_key(f.source_key), 17)
                << one_line(f.message, 200) << "\n";
  }
  command.out << rows.size() << (rows.size() == 1 ? " record" : " records") << " in the error queue"
              << (filter.flow.empty() ? "" : " for " + filter.flow)
              << (rows.empty() ? "" : "; junction errors show ID --config FILE for one") << "\n";
  note_cut();
  return exit_ok;
}

int run_errors_show(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<long long>()->required(), "error id")("json", "print JSON");
  po::positional_options_description positional;
  positional.add("id", 1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "ID --config FILE [--json]", options, values, code,
                          &positional)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  store::ErrorQueueRepository errors(session->store->session());
  const auto found = errors.find(values["id"].as<long long>());
  if (!found) {
    command.err << "junction errors show: no error with id " << values["id"].as<long long>()
                << "\n";
    return exit_usage;
  }
  const auto j = to_json(*found, *session);
  if (values.count("json") != 0U) {
    app::JsonOutput json;
    command.out << json.dump(j, 2) << "\n";
    json.report(command.err, "errors");
    return exit_ok;
  }
  const auto &f = *found;
  command.out << "error " << f.id << " (" << f.state << ")\n"
              << "flow:      " << f.flow << "\n"
              << "run:       " << f.run_id << "\n"
              << "source:    " << f.source_connector << "/" << f.source_entity << "\n"
              << "key:       " << readable_key(f.source_key) << "\n"
              << "where:     " << f.origin << "\n"
              << "stage:     " << f.stage << " (" << f.status << ")\n"
              << "problem:   " << f.message << "\n"
              << "attempts:  " << f.attempts << "\n"
              << "failed at: " << f.first_failed_at
              << (f.last_failed_at != f.first_failed_at ? " (last " + f.last_failed_at + ")" : "")
              << "\n";
  if (f.state != "open") {
    command.out << f.state << ":  " << f.resolved_at << " by " << f.resolved_by
                << (f.resolution.empty() ? "" : ": " + f.resolution) << "\n";
  }
  command.out << "record as read:\n"
              << j["record"].dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return exit_ok;
}

}  // namespace junction::cli
