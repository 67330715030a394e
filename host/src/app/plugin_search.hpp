// Where plugins are looked for, in order: --plugin-path, the config's plugin_path,
// $JUNCTION_PLUGIN_PATH, then the directories that come with the installed host.
#pragma once

#include <filesystem>
#include <vector>

#include "plugin/catalog.hpp"

namespace junction::app {

std::vector<plugin::SearchDir> plugin_search_dirs(
    const std::vector<std::filesystem::path> &command_line,
    const std::vector<std::filesystem::path> &from_config);

}  // namespace junction::app
