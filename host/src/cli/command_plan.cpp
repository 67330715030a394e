// junction plan --config FILE [--sync NAME] [--json]: what the next cycle of each sync
// would do, record by record, writing nothing to any system.
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/json_output.hpp"
#include "app/sync_plan.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "cli/run_setup.hpp"
#include "store/state_store.hpp"

namespace junction::cli {

namespace po = boost::program_options;

int run_plan(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "json", "print one JSON object per planned action");
  add_sync_option(options);
  add_plugin_path_option(options);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--sync NAME]... [--json]", options, values,
                          code)) {
    return code;
  }
  RunSetup setup;
  prepare_run(values, setup);
  auto &problems = setup.problems();
  const std::string file = values["config"].as<std::string>();
  if (!problems.empty()) {
    print_diagnostics(command.err, problems);
    command.err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " in "
                << file << "; nothing was planned\n";
    return exit_usage;
  }
  if (setup.syncs.empty()) {
    command.out << "no syncs to plan in " << file << "\n";
    return exit_ok;
  }
  std::unique_ptr<store::StateStore> state;
  try {
    state = store::StateStore::open(*setup.location);
  } catch (const std::exception &e) {
    command.err << "junction plan: " << e.what() << "\n";
    return exit_failed;
  }
  const bool as_json = values.count("json") != 0U;
  app::JsonOutput out_json;
  int result = exit_ok;
  for (const auto *sync : setup.syncs) {
    app::SyncPlanReport plan;
    try {
      plan = app::plan_sync_once(*sync, setup.checked, *state);
    } catch (const std::exception &e) {
      command.err << "sync " << sync->name << ": " << e.what() << "\n";
      result = exit_failed;
      continue;
    }
    if (as_json) {
      for (const auto &line : plan.actions) command.out << out_json.dump(line) << "\n";
      continue;
    }
    command.out << "sync " << sync->name << ": " << plan.read << " records read\n";
    for (const auto &line : plan.lines) command.out << "  " << line << "\n";
    command.out << "  " << plan.links << " to link, " << plan.creates << " to create, "
                << plan.updates << " to update, " << plan.deletes << " to delete, " << plan.reviews
                << " for review\n";
  }
  out_json.report(command.err, "plan lines");
  return result;
}

}  // namespace junction::cli
