#include "plugin/loader.hpp"

#include <map>
#include <mutex>

#include <boost/dll/shared_library.hpp>

#include "plugin/abi_handshake.hpp"

namespace junction::plugin {
namespace {

struct LoadedLibraries {
  std::mutex mutex;
  std::map<std::string, boost::dll::shared_library> by_path;
};

// Deliberately never destroyed, so no library is unloaded at exit either.
LoadedLibraries &loaded_libraries() {
  static auto *libraries = new LoadedLibraries();
  return *libraries;
}

}  // namespace

LoadedPlugin load_plugin(const PluginFile &file, std::string &why) {
  auto &libraries = loaded_libraries();
  const std::lock_guard lock(libraries.mutex);
  const std::string key = file.path.string();
  auto it = libraries.by_path.find(key);
  if (it == libraries.by_path.end()) {
    try {
      boost::dll::shared_library library(
          boost::dll::fs::path(key),
          boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
      it = libraries.by_path.emplace(key, std::move(library)).first;
    } catch (const std::exception &e) {
      why = std::string("cannot load: ") + e.what();
      return {};
    }
  }
  if (!it->second.has(JN_ENTRY_SYMBOL)) {
    why = "not a plugin: no exported " JN_ENTRY_SYMBOL " symbol";
    return {};
  }
  auto &entry = it->second.get<const jn_plugin *(std::uint32_t, std::uint32_t)>(JN_ENTRY_SYMBOL);
  const jn_plugin *table = entry(JN_ABI_MAJOR, JN_ABI_MINOR);
  if (auto wrong = check_plugin_table(table, file.manifest)) {
    why = *wrong;
    return {};
  }
  return LoadedPlugin{&file, table};
}

}  // namespace junction::plugin
