// Loads a catalogued plugin into the process and completes the ABI handshake. Libraries
// are loaded with local symbol scope and never unloaded while the process lives: code a
// plugin left behind (threads, atexit handlers) must never point into unmapped memory.
#pragma once

#include <string>

#include <junction/abi.h>

#include "plugin/catalog.hpp"

namespace junction::plugin {

struct LoadedPlugin {
  const PluginFile *file = nullptr;
  const jn_plugin *table = nullptr;
};

// Returns the plugin's table; on refusal `table` is null and `why` says why in one line.
LoadedPlugin load_plugin(const PluginFile &file, std::string &why);

}  // namespace junction::plugin
