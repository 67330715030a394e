#include "plugin/catalog.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include <junction/abi.h>

#include "plugin/elf_sections.hpp"

namespace junction::plugin {
namespace {

// The entry symbol must be exported; checked in the dynamic symbol table, without loading.
bool exports_entry_symbol(const std::filesystem::path &file, std::string &why) {
  const auto sections = read_elf_sections(file, {".dynsym", ".dynstr"}, why);
  if (!sections) return false;
  if (defines_dynamic_function(*sections, JN_ENTRY_SYMBOL)) return true;
  why = "not a plugin: no exported " JN_ENTRY_SYMBOL " symbol";
  return false;
}

std::vector<std::filesystem::path> library_files(const std::filesystem::path &dir,
                                                 std::string &why) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".so") continue;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) continue;
    files.push_back(it->path());
  }
  if (ec) why = "cannot read plugin directory: " + ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

const PluginFile *Catalog::find(const std::string &name) const {
  for (const auto &p : plugins) {
    if (p.manifest.name == name) return &p;
  }
  return nullptr;
}

Catalog scan_plugin_dirs(const std::vector<SearchDir> &dirs) {
  Catalog catalog;
  std::map<std::string, std::filesystem::path> first_by_name;
  // A directory or file reached twice (named twice, with a trailing '/', through a
  // symbolic link, or as the default beside the binary) is the same one: by identity.
  std::set<std::pair<dev_t, ino_t>> seen_dirs;
  std::set<std::pair<dev_t, ino_t>> seen_files;
  const auto first_time = [](std::set<std::pair<dev_t, ino_t>> &seen,
                             const std::filesystem::path &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) != 0 || seen.insert({st.st_dev, st.st_ino}).second;
  };
  for (const auto &dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir.path, ec)) {
      if (dir.required) {
        catalog.refusals.push_back({dir.path, "plugin directory does not exist"});
      }
      continue;
    }
    if (!first_time(seen_dirs, dir.path)) continue;
    std::string dir_problem;
    for (const auto &file : library_files(dir.path, dir_problem)) {
      if (!first_time(seen_files, file)) continue;
      std::string why;
      auto manifest = read_manifest(file, why);
      if (manifest && !exports_entry_symbol(file, why)) manifest.reset();
      if (!manifest) {
        spdlog::debug("refused {}: {}", file.string(), why);
        catalog.refusals.push_back({file, why});
        continue;
      }
      auto [it, inserted] = first_by_name.emplace(manifest->name, file);
      if (!inserted) {
        catalog.refusals.push_back({file,
                                    "duplicate plugin name '" + manifest->name +
                                        "': already provided by " + it->second.string(),
                                    manifest->name});
        continue;
      }
      spdlog::debug("found plugin {} {} in {}", manifest->name, manifest->version, file.string());
      catalog.plugins.push_back(PluginFile{file, std::move(*manifest)});
    }
    if (!dir_problem.empty()) catalog.refusals.push_back({dir.path, dir_problem});
  }
  return catalog;
}

}  // namespace junction::plugin
