// --plugin-path and --config as the plugin commands and check share them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "config/host_config.hpp"
#include "plugin/catalog.hpp"

namespace junction::cli {

void add_plugin_path_option(boost::program_options::options_description &options);

std::vector<std::filesystem::path> plugin_path_values(
    const boost::program_options::variables_map &values);

// The catalog for the command line's --plugin-path dirs and, if given, the config's.
plugin::Catalog build_catalog(const boost::program_options::variables_map &values,
                              const config::HostConfig *config);

// One line per problem, to `err`.
void print_diagnostics(std::ostream &err, const config::Diagnostics &problems);

}  // namespace junction::cli
