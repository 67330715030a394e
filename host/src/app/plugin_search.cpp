#include "app/plugin_search.hpp"

#include <cstdlib>
#include <sstream>
#include <string>

#include <boost/dll/runtime_symbol_info.hpp>

namespace junction::app {

std::vector<plugin::SearchDir> plugin_search_dirs(
    const std::vector<std::filesystem::path> &command_line,
    const std::vector<std::filesystem::path> &from_config) {
  std::vector<plugin::SearchDir> dirs;
  for (const auto &p : command_line) dirs.push_back({std::filesystem::absolute(p), true});
  for (const auto &p : from_config) dirs.push_back({p, true});
  if (const char *env = std::getenv("JUNCTION_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty()) dirs.push_back({std::filesystem::absolute(item), true});
    }
  }
  // $JUNCTION_DEFAULT_PLUGIN_PATH, when set (even empty), replaces the built-in defaults.
  if (const char *defaults = std::getenv("JUNCTION_DEFAULT_PLUGIN_PATH"); defaults != nullptr) {
    std::stringstream list(defaults);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty()) dirs.push_back({std::filesystem::absolute(item), false});
    }
    return dirs;
  }
  // Beside the executable: <bin>/plugins in a build tree, <prefix>/lib/junction/plugins
  // when installed.
  const std::filesystem::path exe_dir = boost::dll::program_location().parent_path().string();
  dirs.push_back({exe_dir / "plugins", false});
  dirs.push_back({(exe_dir / ".." / "lib" / "junction" / "plugins").lexically_normal(), false});
  return dirs;
}

}  // namespace junction::app
