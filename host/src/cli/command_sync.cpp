// junction sync --config FILE [--flow NAME] [--sync NAME]: runs each flow and each sync once
// and prints a summary.
#include <cstdio>
#include <iomanip>
#include <ostream>

#include "app/config_check.hpp"
#include "app/job_runs.hpp"
#include "cli/actor.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "cli/run_setup.hpp"
#include "engine/retry_policy.hpp"
#include "plugin/connector_instance.hpp"
#include "store/state_store.hpp"
#include "store/store_failure.hpp"
#include "store/timestamps.hpp"

#include <spdlog/spdlog.h>

namespace junction::cli {
namespace {

namespace po = boost::program_options;

void print_summary(std::ostream &out, const std::vector<app::JobReport> &results) {
  out << std::left << std::setw(28) << "FLOW" << std::right << std::setw(10) << "READ"
      << std::setw(10) << "CREATED" << std::setw(10) << "UPDATED" << std::setw(11) << "UNCHANGED"
      << std::setw(10) << "DELETED" << std::setw(10) << "FAILED" << std::setw(10) << "FILTERED"
      << std::setw(10) << "WRITTEN" << std::setw(10) << "SECONDS"
      << "\n";
  for (const auto &r : results) {
    const auto &c = r.counts;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
    out << std::left << std::setw(28) << r.job << std::right << std::setw(10) << c.read
        << std::setw(10) << c.created << std::setw(10) << c.updated << std::setw(11) << c.unchanged
        << std::setw(10) << c.deleted << std::setw(10) << c.failed << std::setw(10) << c.filtered
        << std::setw(10) << c.written << std::setw(10) << seconds << "\n";
  }
}

void print_sync_summary(std::ostream &out, const std::vector<app::JobReport> &results) {
  if (results.empty()) return;
  out << std::left << std::setw(28) << "SYNC" << std::right << std::setw(10) << "READ"
      << std::setw(10) << "LINKED" << std::setw(10) << "CREATED" << std::setw(10) << "UPDATED"
      << std::setw(10) << "DELETED" << std::setw(10) << "FAILED" << std::setw(10) << "REVIEWS"
      << std::setw(10) << "DEFERRED" << std::setw(10) << "SECONDS"
      << "\n";
  for (const auto &r : results) {
    const auto &c = r.counts;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
    out << std::left << std::setw(28) << r.job << std::right << std::setw(10) << c.read
        << std::setw(10) << r.linked << std::setw(10) << c.created << std::setw(10) << c.updated
        << std::setw(10) << c.deleted << std::setw(10) << c.failed << std::setw(10) << r.reviews
        << std::setw(10) << r.deferred << std::setw(10) << seconds << "\n";
  }
}

// Until a source says it changed, or the shortest schedule has passed, or a stop.
void wait_for_next_round(const std::vector<const config::FlowConfig *> &flows,
                         app::CheckedConfig &checked) {
  auto interval = std::chrono::milliseconds(60000);
  bool scheduled = false;
  for (const auto *f : flows) {
    if (!f->definition.contains("schedule")) continue;
    const auto every =
        engine::parse_duration(f->definition["schedule"].value("every", std::string()));
    if (every.count() > 0 && (!scheduled || every < interval)) interval = every;
    scheduled = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + interval;
  constexpr auto slice = std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < deadline && !engine::stop_requested()) {
    bool waited = false;
    for (const auto *f : flows) {
      try {
        const auto changed =
            checked.connectors.at(f->from.connector)->wait_for_changes(f->from.entity, slice);
        if (changed.has_value()) waited = true;
        if (changed.value_or(false)) return;
      } catch (const plugin::CallError &e) {
        spdlog::warn("flow {}: {}", f->name, e.what());
      }
    }
    if (!waited) engine::sleep_unless_stopped(slice);
  }
}

}  // namespace

int run_sync(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "flow", po::value<std::vector<std::string>>()->composing(),
      "run only this flow (repeatable)")("actor", po::value<std::string>(),
                                         "who runs it, for the audit (default: the OS user)")(
      "watch",
      "keep running: run again when a source reports a change (PostgreSQL NOTIFY, "
      "SQLite commits) or the shortest schedule.every has passed, until SIGTERM")(
      "progress", po::value<std::string>()->default_value("auto"),
      "live progress line: auto (on a terminal), always, never")(
      "json", "print each round's results as one JSON object on a line, for scripts");
  add_sync_option(options);
  add_plugin_path_option(options);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command,
                          "--config FILE [--flow NAME]... [--sync NAME]... [--plugin-path DIR]...",
                          options, values, code)) {
    return code;
  }
  const std::filesystem::path file = values["config"].as<std::string>();
  RunSetup setup;
  prepare_run(values, setup);
  auto &problems = setup.problems();
  auto &checked = setup.checked;
  const auto &location = setup.location;
  const auto &selected = setup.flows;
  if (!problems.empty()) {
    print_diagnostics(command.err, problems);
    command.err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " in "
                << file.string() << "; nothing was run\n";
    return exit_usage;
  }
  if (selected.empty() && setup.syncs.empty()) {
    command.out << "no flows or syncs to run in " << file.string() << "\n";
    return exit_ok;
  }

  std::unique_ptr<store::StateStore> state;
  try {
    state = store::StateStore::open(*location);
  } catch (const std::exception &e) {
    command.err << "junction sync: " << e.what() << "\n";
    return exit_failed;
  }
  const std::string progress_mode = values["progress"].as<std::string>();
  engine::Progress progress(progress_mode == "always" ||
                            (progress_mode == "auto" && engine::stderr_is_terminal()));
  const std::string actor =
      values.count("actor") != 0U ? values["actor"].as<std::string>() : operating_system_user();

  // SIGTERM and SIGINT finish the current batch, record it, and stop.
  engine::install_stop_signal_handlers();
  plugin::set_stop_probe(&engine::stop_requested);  // connectors waiting out a limit stop too
  const bool watch = values.count("watch") != 0U;
  const bool json_output = values.count("json") != 0U;
  std::vector<app::JobReport> results;
  std::vector<app::JobReport> sync_results;
  // Each round's summary is printed once, when the round ends; with --watch it is
  // labelled with its number and start time.
  for (int round = 1;; ++round) {
    const std::string round_started = store::utc_now_text();
    results.clear();
    for (const auto *flow : selected) {
      if (engine::stop_requested()) break;
      results.push_back(app::run_flow_once(*flow, checked, *state, progress, actor));
      if (!results.back().note.empty() && !json_output) {
        command.out << flow->name << ": " << results.back().note << "\n";
      }
    }
    sync_results.clear();
    for (const auto *sync : setup.syncs) {
      if (engine::stop_requested()) break;
      sync_results.push_back(app::run_sync_once(*sync, checked, *state, actor));
    }
    if (json_output) {
      nlohmann::json round_json = {{"round", round},
                                   {"started_at", round_started},
                                   {"flows", nlohmann::json::array()},
                                   {"syncs", nlohmann::json::array()}};
      for (const auto &r : results) round_json["flows"].push_back(r.to_json());
      for (const auto &r : sync_results) round_json["syncs"].push_back(r.to_json());
      command.out << round_json.dump() << "\n";
    } else {
      if (watch) {
        command.out << (round > 1 ? "\n" : "") << "round " << round << ", started " << round_started
                    << (engine::stop_requested() ? ", stopped on request" : "") << ":\n";
      }
      if (!selected.empty()) print_summary(command.out, results);
      print_sync_summary(command.out, sync_results);
    }
    command.out.flush();
    if (!watch || engine::stop_requested()) break;
    wait_for_next_round(selected, checked);
    if (engine::stop_requested()) break;
  }
  bool any_failed = false;
  long long failed_writes = 0;
  for (const auto &r : sync_results) {
    if (r.failed) {
      any_failed = true;
      command.err << "sync " << r.job << " failed: " << r.message << "\n";
    }
    failed_writes += r.counts.failed;
    for (const auto &e : r.errors) command.err << "sync " << r.job << ": " << e << "\n";
  }
  if (failed_writes > 0) {
    command.err << failed_writes << " sync writes failed; the next cycle tries them again\n";
  }
  long long queued = 0;
  for (const auto &r : results) {
    if (r.failed) {
      any_failed = true;
      command.err << "flow " << r.job << " failed: " << r.message << "\n";
      if (r.reading) {
        command.err << "Its cursor stays where the last checkpoint left it; the next run "
                       "continues from there.\n";
      }
    }
    if (r.interrupted) {
      any_failed = true;
      command.err << "flow " << r.job << " stopped on request after " << r.counts.read
                  << " records; everything so far is recorded and the next run continues "
                     "from there.\n";
    }
    queued += r.counts.failed;
  }
  if (results.size() < selected.size()) {
    command.err << (selected.size() - results.size())
                << " flows were not started because a stop was requested.\n";
    any_failed = true;
  }
  long long open = 0;
  if (queued > 0) {
    // Records that failed the same way before are the same entry, with another attempt;
    // records a person discarded, unchanged since, are not queued again.
    const auto tally = app::tally_queued(*state, results);
    const long long added = tally.added;
    open = tally.open;
    const long long left_alone = std::max(0LL, queued - open);
    std::ostream &said = json_output ? command.err : command.out;
    said << "\n"
         << queued << (queued == 1 ? " record" : " records") << " failed: " << added
         << " new in the error queue, " << open - added << " already there (another attempt)";
    if (left_alone > 0) said << ", " << left_alone << " discarded before and left alone";
    if (open > 0) said << ". See them with:\n  junction errors list --config " << file.string();
    said << "\n";
  }
  if (any_failed) return exit_failed;
  return open > 0 || failed_writes > 0 ? exit_records_queued : exit_ok;
}

}  // namespace junction::cli
