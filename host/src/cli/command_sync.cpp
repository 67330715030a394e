// junction sync --config FILE [--flow NAME] [--sync NAME]: runs each flow and each sync once
// and prints a summary.
#include <cstdio>
#include <iomanip>
#include <ostream>

#include "app/config_check.hpp"
#include "cli/actor.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "cli/run_setup.hpp"
#include "engine/flow_runner.hpp"
#include "engine/redrive.hpp"
#include "engine/retry_policy.hpp"
#include "engine/sync/sync_runner.hpp"
#include "plugin/connector_instance.hpp"
#include "store/error_queue_repository.hpp"
#include "store/run_lock.hpp"
#include "store/state_store.hpp"
#include "store/store_failure.hpp"
#include "store/timestamps.hpp"

#include <spdlog/spdlog.h>

namespace junction::cli {
namespace {

namespace po = boost::program_options;

void print_summary(std::ostream &out, const std::vector<engine::FlowResult> &results) {
  out << std::left << std::setw(28) << "FLOW" << std::right << std::setw(10) << "READ"
      << std::setw(10) << "CREATED" << std::setw(10) << "UPDATED" << std::setw(11) << "UNCHANGED"
      << std::setw(10) << "DELETED" << std::setw(10) << "FAILED" << std::setw(10) << "FILTERED"
      << std::setw(10) << "WRITTEN" << std::setw(10) << "SECONDS"
      << "\n";
  for (const auto &r : results) {
    const auto &c = r.counts;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
    out << std::left << std::setw(28) << r.flow << std::right << std::setw(10) << c.read
        << std::setw(10) << c.created << std::setw(10) << c.updated << std::setw(11) << c.unchanged
        << std::setw(10) << c.deleted << std::setw(10) << c.failed << std::setw(10) << c.filtered
        << std::setw(10) << c.written << std::setw(10) << seconds << "\n";
  }
}

void print_sync_summary(std::ostream &out, const std::vector<engine::sync::SyncOutcome> &results) {
  if (results.empty()) return;
  out << std::left << std::setw(28) << "SYNC" << std::right << std::setw(10) << "READ"
      << std::setw(10) << "LINKED" << std::setw(10) << "CREATED" << std::setw(10) << "UPDATED"
      << std::setw(10) << "DELETED" << std::setw(10) << "FAILED" << std::setw(10) << "REVIEWS"
      << std::setw(10) << "SECONDS"
      << "\n";
  for (const auto &r : results) {
    const auto &c = r.counts;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
    out << std::left << std::setw(28) << r.sync << std::right << std::setw(10) << c.read
        << std::setw(10) << c.linked << std::setw(10) << c.created << std::setw(10) << c.updated
        << std::setw(10) << c.deleted << std::setw(10) << c.failed << std::setw(10) << c.reviews
        << std::setw(10) << seconds << "\n";
  }
}

engine::sync::SyncOutcome run_one_sync(const config::SyncConfig &sync, app::CheckedConfig &checked,
                                       store::StateStore &state, const std::string &actor) {
  std::string holder;
  const auto lock = store::RunLock::try_acquire(state, "sync:" + sync.name, holder);
  if (!lock) {
    engine::sync::SyncOutcome busy;
    busy.sync = sync.name;
    busy.failed = true;
    busy.message = "it is being run by " + holder + "; this run left it alone";
    return busy;
  }
  engine::sync::SyncContext context{sync, {}, state, actor};
  for (auto &[name, connector] : checked.connectors) context.connectors[name] = connector.get();
  try {
    return engine::sync::run_sync(context);
  } catch (const std::exception &e) {
    engine::sync::SyncOutcome failed;
    failed.sync = sync.name;
    failed.failed = true;
    failed.message = store::readable_failure(e.what());
    return failed;
  }
}

// Records that only failed for want of retries get another chance before the run.
void redrive_transient(const config::FlowConfig &flow, app::CheckedConfig &checked,
                       store::StateStore &state, const std::string &actor, std::ostream &out) {
  store::ErrorFilter filter;
  filter.flow = flow.name;
  filter.limit = 1000000;
  std::vector<store::FailedRecord> transient;
  for (auto &f : store::ErrorQueueRepository(state.session()).list(filter)) {
    if (f.status == "transient") transient.push_back(std::move(f));
  }
  if (transient.empty()) return;
  try {
    const auto r =
        engine::redrive(flow, checked.mappings.at(flow.name),
                        *checked.connectors.at(flow.to.connector), state, transient, actor);
    out << flow.name << ": retried " << transient.size() << " queued records: " << r.delivered
        << " delivered, " << r.failed << " still failing\n";
  } catch (const std::exception &e) {
    out << flow.name << ": retrying queued records failed: " << e.what() << "\n";
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
      "live progress line: auto (on a terminal), always, never");
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
  std::vector<engine::FlowResult> results;
  std::vector<engine::sync::SyncOutcome> sync_results;
  // Each round's summary is printed once, when the round ends; with --watch it is
  // labelled with its number and start time.
  for (int round = 1;; ++round) {
    const std::string round_started = store::utc_now_text();
    results.clear();
    for (const auto *flow : selected) {
      if (engine::stop_requested()) break;
      if (flow->definition.value("redrive_transient", false)) {
        redrive_transient(*flow, checked, *state, actor, command.out);
      }
      std::string holder;
      const auto lock = store::RunLock::try_acquire(*state, "flow:" + flow->name, holder);
      if (!lock) {
        engine::FlowResult busy;
        busy.flow = flow->name;
        busy.failed = true;
        busy.message = "it is being run by " + holder + "; this run left it alone";
        results.push_back(std::move(busy));
        continue;
      }
      engine::FlowContext context{*flow,
                                  checked.mappings.at(flow->name),
                                  *checked.connectors.at(flow->from.connector),
                                  *checked.connectors.at(flow->to.connector),
                                  *state,
                                  progress,
                                  actor};
      results.push_back(engine::run_flow(context));
    }
    sync_results.clear();
    for (const auto *sync : setup.syncs) {
      if (engine::stop_requested()) break;
      sync_results.push_back(run_one_sync(*sync, checked, *state, actor));
    }
    if (watch) {
      command.out << (round > 1 ? "\n" : "") << "round " << round << ", started " << round_started
                  << (engine::stop_requested() ? ", stopped on request" : "") << ":\n";
    }
    if (!selected.empty()) print_summary(command.out, results);
    print_sync_summary(command.out, sync_results);
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
      command.err << "sync " << r.sync << " failed: " << r.message << "\n";
    }
    failed_writes += r.counts.failed;
    for (std::size_t i = 0; i < r.write_errors.size(); ++i) {
      if (!r.write_errors[i].empty()) {
        command.err << "sync " << r.sync << ": " << r.write_errors[i] << "\n";
      }
    }
  }
  if (failed_writes > 0) {
    command.err << failed_writes << " sync writes failed; the next cycle tries them again\n";
  }
  long long queued = 0;
  for (const auto &r : results) {
    if (r.failed) {
      any_failed = true;
      command.err << "flow " << r.flow << " failed: " << r.message << "\n";
      if (r.reading) {
        command.err << "Its cursor stays where the last checkpoint left it; the next run "
                       "continues from there.\n";
      }
    }
    if (r.interrupted) {
      any_failed = true;
      command.err << "flow " << r.flow << " stopped on request after " << r.counts.read
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
    long long added = 0;
    try {
      store::ErrorQueueRepository errors(state->session());
      for (const auto &r : results) {
        added += errors.count_new_in_run(r.run_id);
        open += errors.count_open_in_run(r.run_id);
      }
    } catch (const std::exception &) {
      added = open = queued;
    }
    const long long left_alone = std::max(0LL, queued - open);
    command.out << "\n"
                << queued << (queued == 1 ? " record" : " records") << " failed: " << added
                << " new in the error queue, " << open - added
                << " already there (another attempt)";
    if (left_alone > 0) command.out << ", " << left_alone << " discarded before and left alone";
    if (open > 0) {
      command.out << ". See them with:\n  junction errors list --config " << file.string();
    }
    command.out << "\n";
  }
  if (any_failed) return exit_failed;
  return open > 0 || failed_writes > 0 ? exit_records_queued : exit_ok;
}

}  // namespace junction::cli
