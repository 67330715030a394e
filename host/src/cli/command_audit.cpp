// junction audit list | verify | export: the hash-chained audit log.
#include <iomanip>
#include <limits>
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/audit_views.hpp"
#include "app/json_output.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_session.hpp"
#include "store/audit_log.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

nlohmann::json to_json(const store::AuditEntry &e) {
  return app::audit_entry_json(e);
}

bool read_filter(const CommandArgs &command, po::variables_map &values, int &code,
                 const char *synopsis, bool with_json) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "flow", po::value<std::string>(), "only this flow")(
      "key", po::value<std::string>(), "only entries about this source or target key")(
      "since", po::value<std::string>(), "only entries at or after this time (ISO 8601, UTC)")(
      "limit", po::value<int>()->default_value(1000), "at most this many, oldest first")(
      "all", "every matching entry, however many");
  if (with_json) options.add_options()("json", "print JSON lines");
  return parse_command_line(command, synopsis, options, values, code);
}

store::AuditFilter filter_of(const po::variables_map &values, int default_limit) {
  store::AuditFilter f;
  if (values.count("flow") != 0U) f.flow = values["flow"].as<std::string>();
  if (values.count("key") != 0U) f.key = values["key"].as<std::string>();
  if (values.count("since") != 0U) f.since = values["since"].as<std::string>();
  f.limit = values.count("limit") != 0U && !values["limit"].defaulted() ? values["limit"].as<int>()
                                                                        : default_limit;
  if (values.count("all") != 0U) f.limit = std::numeric_limits<int>::max();
  return f;
}

}  // namespace

int run_audit_list(const CommandArgs &command) {
  po::variables_map values;
  int code = exit_ok;
  if (!read_filter(command, values, code,
                   "--config FILE [--flow NAME] [--key KEY] [--since TIME] [--json]", true)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  store::AuditLog log(session->store->session(), session->store->backend());
  const auto filter = filter_of(values, 1000);
  const auto entries = log.list(filter);
  app::JsonOutput json;
  for (const auto &e : entries) {
    if (values.count("json") != 0U) {
      command.out << json.dump(to_json(e)) << "\n";
      continue;
    }
    command.out << std::left << std::setw(7) << e.seq << e.at << "  " << std::setw(12) << e.actor
                << std::setw(16) << e.action;
    if (!e.operation.empty()) {
      command.out << e.operation << " " << e.target_connector << ":" << e.target_key << " from "
                  << e.source_connector << ":" << e.source_key;
      if (!e.changed_fields.empty()) command.out << " [" << e.changed_fields << "]";
      if (!e.detail.empty()) command.out << " ";
    }
    if (!e.detail.empty()) command.out << e.detail;
    command.out << "\n";
  }
  json.report(command.err, "audit entries");
  // A listing cut at its limit says so: the newest entries are the ones left out.
  if (entries.size() >= static_cast<std::size_t>(filter.limit)) {
    const long long total = log.count(filter);
    if (total > filter.limit) {
      command.err << "showing the oldest " << filter.limit << " of " << total
                  << " entries; use --limit N, --since TIME or --all\n";
    }
  }
  return exit_ok;
}

int run_audit_export(const CommandArgs &command) {
  po::variables_map values;
  int code = exit_ok;
  if (!read_filter(command, values, code, "--config FILE [--flow NAME] [--key KEY] [--since TIME]",
                   false)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  const auto entries = store::AuditLog(session->store->session(), session->store->backend())
                           .list(filter_of(values, 100000000));
  app::JsonOutput json;
  for (const auto &e : entries) command.out << json.dump(to_json(e)) << "\n";
  json.report(command.err, "audit entries");
  return exit_ok;
}

int run_audit_verify(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE", options, values, code)) return code;
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  const auto v = store::AuditLog(session->store->session(), session->store->backend()).verify();
  if (!v.intact) {
    command.out << "audit log broken at " << v.where << ": " << v.problem << "\n";
    return exit_failed;
  }
  command.out << "audit log intact: " << v.entries << (v.entries == 1 ? " entry" : " entries")
              << " in " << v.chains << (v.chains == 1 ? " chain" : " chains") << "\n";
  return exit_ok;
}

}  // namespace junction::cli
