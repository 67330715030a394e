#include "cli/plugin_options.hpp"

#include <ostream>

#include "app/plugin_search.hpp"

namespace junction::cli {

namespace po = boost::program_options;

void add_plugin_path_option(po::options_description &options) {
  options.add_options()("plugin-path", po::value<std::vector<std::string>>()->composing(),
                        "directory searched for plugins before the config's (repeatable)");
}

std::vector<std::filesystem::path> plugin_path_values(const po::variables_map &values) {
  std::vector<std::filesystem::path> out;
  if (values.count("plugin-path") != 0U) {
    for (const auto &p : values["plugin-path"].as<std::vector<std::string>>()) out.emplace_back(p);
  }
  return out;
}

plugin::Catalog build_catalog(const po::variables_map &values, const config::HostConfig *config) {
  const std::vector<std::filesystem::path> none;
  return plugin::scan_plugin_dirs(
      app::plugin_search_dirs(plugin_path_values(values), config ? config->plugin_path : none));
}

void print_diagnostics(std::ostream &err, const config::Diagnostics &problems) {
  for (const auto &p : problems) err << p.to_string() << "\n";
}

}  // namespace junction::cli
