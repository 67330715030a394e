// The plugin under test: its ELF sections read from the file (as the host reads them,
// before running any code) and its table from the loaded library.
#pragma once

#include <optional>
#include <string>

#include "junction/abi.h"

namespace junction::testkit {

struct PluginFile {
  std::string path;
  std::optional<jn_abi_stamp> stamp;    // from JN_ABI_STAMP_SECTION, if present
  std::optional<std::string> manifest;  // JN_MANIFEST_SECTION up to its NUL
  void *library = nullptr;              // dlopen handle
  const jn_plugin *table = nullptr;     // what the entry returned for this SDK's ABI
};

// Reads the sections, loads the library and calls its entry. On failure returns nullopt
// with `why` set: a file that is not a plugin cannot be tested at all.
std::optional<PluginFile> load_plugin_file(const std::string &path, std::string &why);

}  // namespace junction::testkit
