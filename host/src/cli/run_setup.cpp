#include "cli/run_setup.hpp"

#include <algorithm>

#include "app/quota_sharing.hpp"
#include "cli/plugin_options.hpp"
#include "engine/quota_governor.hpp"

namespace junction::cli {

namespace po = boost::program_options;

void add_sync_option(po::options_description &options) {
  options.add_options()("sync", po::value<std::vector<std::string>>()->composing(),
                        "run only this sync (repeatable)");
}

void prepare_run(const po::variables_map &values, RunSetup &setup) {
  const std::filesystem::path file = values["config"].as<std::string>();
  setup.loaded = config::load_host_config(file);
  const auto &config = setup.loaded.config;
  auto &problems = setup.loaded.problems;
  std::string why;
  setup.location = store::parse_store_location(config.store, config.file.parent_path(), why);
  if (!setup.location && setup.loaded.parsed) problems.push_back({file.string(), "/store", why});
  // API accounts' budgets: the admin's limits, shared by every connector of this process.
  std::map<std::string, engine::QuotaLimits> budgets;
  for (const auto &[account, a] : config.accounts) {
    budgets[account] = {a.requests_per_window, std::chrono::milliseconds(a.window_ms),
                        a.requests_per_day};
  }
  engine::install_quota_governor(budgets);
  // Windows are shared with the other processes of this store (other runs, other nodes).
  if (setup.location) app::share_quota_windows(*setup.location);
  const auto catalog = build_catalog(values, &config);
  setup.checked = app::check_against_plugins(config, catalog, /*start_connectors=*/true);
  problems.insert(problems.end(), setup.checked.problems.begin(), setup.checked.problems.end());

  const bool named_flows = values.count("flow") != 0U;
  const bool named_syncs = values.count("sync") != 0U;
  if (named_flows) {
    for (const auto &name : values["flow"].as<std::vector<std::string>>()) {
      auto it = std::find_if(config.flows.begin(), config.flows.end(),
                             [&](const config::FlowConfig &f) { return f.name == name; });
      if (it == config.flows.end()) {
        problems.push_back({file.string(), "/flows", "no flow named '" + name + "'"});
      } else {
        setup.flows.push_back(&*it);
      }
    }
  } else if (!named_syncs) {
    for (const auto &f : config.flows) {
      if (f.enabled) setup.flows.push_back(&f);
    }
  }
  if (named_syncs) {
    for (const auto &name : values["sync"].as<std::vector<std::string>>()) {
      auto it = std::find_if(config.syncs.begin(), config.syncs.end(),
                             [&](const config::SyncConfig &s) { return s.name == name; });
      if (it == config.syncs.end()) {
        problems.push_back({file.string(), "/syncs", "no sync named '" + name + "'"});
      } else {
        setup.syncs.push_back(&*it);
      }
    }
  } else if (!named_flows) {
    for (const auto &s : config.syncs) {
      if (s.enabled) setup.syncs.push_back(&s);
    }
  }
}

}  // namespace junction::cli
