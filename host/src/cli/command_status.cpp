// junction status --config FILE: the state store and what it holds.
#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>

#include <soci/soci.h>

#include <sstream>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "config/host_config.hpp"
#include "engine/quota_governor.hpp"
#include "store/migrations.hpp"
#include "store/quota_repository.hpp"
#include "store/state_store.hpp"
#include "store/store_failure.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

long long count_rows(soci::session &session, const std::string &sql) {
  long long n = 0;
  session << sql, soci::into(n);
  return n;
}

// Each API account's requests today (all processes) and what is left of its daily budget.
void report_accounts(std::ostream &report, const config::HostConfig &config,
                     soci::session &session) {
  const std::string today = engine::QuotaGovernor::day_of(std::chrono::system_clock::now());
  store::QuotaRepository quotas(session);
  const auto days = quotas.on_day(today);
  if (days.empty() && config.accounts.empty()) return;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> use;  // requests, per day
  for (const auto &[name, limits] : config.accounts) use[name] = {0, limits.requests_per_day};
  for (const auto &d : days) {
    auto &u = use[d.account];
    u.first = d.requests;
    if (u.second == 0) u.second = d.per_day;
  }
  report << "API accounts, today (" << today << " UTC):\n";
  for (const auto &[name, u] : use) {
    report << "  " << name << ": " << u.first << " requests";
    if (u.second > 0) {
      report << ", " << std::max<std::int64_t>(0, u.second - u.first) << " of " << u.second
             << " left";
    } else {
      report << " (no daily budget)";
    }
    report << "\n";
  }
}

}  // namespace

int run_status(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE", options, values, code)) return code;

  auto loaded = config::load_host_config(values["config"].as<std::string>());
  if (!loaded.problems.empty()) {
    print_diagnostics(command.err, loaded.problems);
    return exit_usage;
  }
  std::string why;
  auto location =
      store::parse_store_location(loaded.config.store, loaded.config.file.parent_path(), why);
  if (!location) {
    command.err << loaded.config.file.string() << ": /store: " << why << "\n";
    return exit_usage;
  }
  // Written whole or not at all: a store that fails half-way shows no half report.
  std::ostringstream report;
  try {
    auto state = store::StateStore::open(*location);
    auto &s = state->session();
    report << "store:          " << state->display_name() << "\n"
           << "schema version: " << state->schema_version() << " (this build knows "
           << store::latest_schema_version() << ")\n"
           << "flows:          " << loaded.config.flows.size() << " configured\n"
           << "runs:           " << count_rows(s, "SELECT COUNT(*) FROM runs") << "\n"
           << "records known:  " << count_rows(s, "SELECT COUNT(*) FROM member_state") << "\n"
           << "open errors:    "
           << count_rows(s, "SELECT COUNT(*) FROM error_queue WHERE state = 'open'") << "\n"
           << "audit entries:  " << count_rows(s, "SELECT COUNT(*) FROM audit_log") << "\n";
    report_accounts(report, loaded.config, s);
  } catch (const std::exception &e) {
    command.err << "junction status: " << store::readable_failure(e.what()) << "\n";
    return exit_failed;
  }
  command.out << report.str();
  return exit_ok;
}

}  // namespace junction::cli
