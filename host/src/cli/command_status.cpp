// junction status --config FILE [--json]: the state store, what it holds, and each flow's and
// sync's last run, result, lag and next run.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "app/status_report.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "config/host_config.hpp"
#include "store/state_store.hpp"
#include "store/store_failure.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

// "3d 4h", "5m 12s", "0.4s": how long ago, as people read it.
std::string ago(double seconds) {
  char text[32];
  const auto s = static_cast<long long>(seconds);
  if (s >= 86400) {
    std::snprintf(text, sizeof text, "%lldd %lldh", s / 86400, (s % 86400) / 3600);
  } else if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lldh %lldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(text, sizeof text, "%lldm %llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  }
  return text;
}

// Times to the second: what a person reads in a table.
std::string to_second(const std::string &utc) {
  return utc.size() >= 19 ? utc.substr(0, 19) + "Z" : (utc.empty() ? "-" : utc);
}

void print_report(std::ostream &out, const app::StatusReport &r) {
  out << "store:          " << r.store << "\n"
      << "schema version: " << r.schema_version << " (this build knows " << r.latest_schema_version
      << ")\n"
      << "flows:          " << r.flows_configured << " configured\n"
      << "runs:           " << r.held.runs << "\n"
      << "records known:  " << r.held.records_known << "\n"
      << "open errors:    " << r.held.open_errors << "\n"
      << "audit entries:  " << r.held.audit_entries << "\n";
  if (r.held.pending_webhook_events > 0) {
    out << "webhook events: " << r.held.pending_webhook_events << " waiting for a run\n";
  }
  if (!r.accounts.empty()) {
    out << "API accounts, today (" << r.day << " UTC):\n";
    for (const auto &a : r.accounts) {
      out << "  " << a.account << ": " << a.requests_today << " requests";
      if (a.per_day > 0) {
        out << ", " << std::max<std::int64_t>(0, a.per_day - a.requests_today) << " of "
            << a.per_day << " left";
      } else {
        out << " (no daily budget)";
      }
      out << "\n";
    }
  }
  if (r.jobs.empty()) return;
  // Columns as wide as their widest entry.
  std::size_t name_width = 14;
  std::size_t schedule_width = 10;
  for (const auto &j : r.jobs) {
    name_width = std::max(name_width, j.name.size() + (j.kind == "sync" ? 7 : 2));
    schedule_width = std::max(schedule_width, j.schedule.size() + 2);
  }
  const auto nw = static_cast<int>(name_width);
  const auto sw = static_cast<int>(schedule_width);
  out << "\n"
      << std::left << std::setw(nw) << "FLOW OR SYNC" << std::setw(sw) << "SCHEDULE"
      << std::setw(22) << "LAST RUN" << std::setw(22) << "RESULT" << std::setw(10) << "LAG"
      << "NEXT RUN\n";
  for (const auto &j : r.jobs) {
    out << std::left << std::setw(nw) << (j.kind == "sync" ? "sync " + j.name : j.name)
        << std::setw(sw) << j.schedule << std::setw(22)
        << (j.last ? to_second(j.last->started_at) : "never") << std::setw(22)
        << (j.last ? (j.running ? "running" : j.last->result()) : "-") << std::setw(10)
        << (j.lag_seconds ? ago(*j.lag_seconds) : "-")
        << (j.next_run_at.empty() ? (j.schedule == "manual" ? "on demand" : "on change")
                                  : to_second(j.next_run_at))
        << "\n";
  }
}

}  // namespace

int run_status(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "json", "the report as one JSON object, for scripts");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--json]", options, values, code)) return code;

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
    const auto r = app::status_report(loaded.config, *state, std::chrono::system_clock::now());
    if (values.count("json") != 0U) {
      report << r.to_json().dump(2) << "\n";
    } else {
      print_report(report, r);
    }
  } catch (const std::exception &e) {
    command.err << "junction status: " << store::readable_failure(e.what()) << "\n";
    return exit_failed;
  }
  command.out << report.str();
  return exit_ok;
}

}  // namespace junction::cli
