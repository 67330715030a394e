// The plugins found on the search path: each file is either a usable plugin (its manifest
// read and checked) or refused with one line of reason. Nothing here runs plugin code.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plugin/manifest.hpp"

namespace junction::plugin {

struct PluginFile {
  std::filesystem::path path;
  Manifest manifest;
};

struct Refusal {
  std::filesystem::path path;
  std::string reason;
  // For a file refused because an earlier one on the path has its plugin name: that name.
  std::string duplicate_of = {};

  std::string to_string() const { return path.string() + ": " + reason; }
};

struct SearchDir {
  std::filesystem::path path;
  bool required = true;  // a missing required directory is refused; a default one is skipped
};

struct Catalog {
  std::vector<PluginFile> plugins;
  std::vector<Refusal> refusals;

  const PluginFile *find(const std::string &name) const;
};

// Scans each directory in order for *.so files. On a duplicate name the first one found
// wins and the later file is refused.
Catalog scan_plugin_dirs(const std::vector<SearchDir> &dirs);

}  // namespace junction::plugin
