// junction check --config FILE [--connect]: validates the whole config against the host
// schema and every plugin it names, reporting every problem at once; with --connect it
// also opens the state store and every connector's endpoints (a test connection).
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/config_check.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "store/store_location.hpp"

namespace junction::cli {
namespace po = boost::program_options;

int run_check(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "connect",
      "also open the state store and each flow's and sync's sources (reading one record) and "
      "sinks (writing nothing)")(
      "json",
      "the outcome as one JSON object: {\"ok\", \"file\", \"problems\": [{\"file\", "
      "\"pointer\", \"message\"}], ...}");
  add_plugin_path_option(options);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--connect] [--plugin-path DIR]...", options,
                          values, code)) {
    return code;
  }
  const std::filesystem::path file = values["config"].as<std::string>();
  auto loaded = config::load_host_config(file);
  auto &problems = loaded.problems;
  const auto &config = loaded.config;

  std::string why;
  // A file that is not JSON has no store to check: saying so would be a second, false problem.
  if (loaded.parsed && !store::parse_store_location(config.store, config.file.parent_path(), why)) {
    problems.push_back({file.string(), "/store", why});
  }
  const auto catalog = build_catalog(values, &config);
  auto checked = app::check_against_plugins(config, catalog, /*start_connectors=*/true);
  problems.insert(problems.end(), checked.problems.begin(), checked.problems.end());
  const bool connect = values.count("connect") != 0U;
  if (connect && loaded.parsed) {
    const auto unreachable = app::check_connections(config, checked);
    problems.insert(problems.end(), unreachable.begin(), unreachable.end());
  }

  if (values.count("json") != 0U) {
    nlohmann::json out = {
        {"ok", problems.empty()}, {"file", file.string()}, {"problems", nlohmann::json::array()}};
    for (const auto &p : problems) {
      out["problems"].push_back({{"file", p.file.empty() ? file.string() : p.file},
                                 {"pointer", p.pointer},
                                 {"message", p.message},
                                 {"text", p.to_string()}});
    }
    if (problems.empty()) {
      out["connectors"] = config.connectors.size();
      out["flows"] = config.flows.size();
      out["syncs"] = config.syncs.size();
    }
    command.out << out.dump(2) << "\n";
    return problems.empty() ? exit_ok : exit_usage;
  }
  if (!problems.empty()) {
    print_diagnostics(command.err, problems);
    command.err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " in "
                << file.string() << "\n";
    return exit_usage;
  }
  command.out << file.string() << ": OK (" << config.connectors.size() << " connectors, "
              << config.flows.size() << " flows" << (connect ? ", every connection opened" : "")
              << ")\n";
  return exit_ok;
}

}  // namespace junction::cli
