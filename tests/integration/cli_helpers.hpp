// Running the built junction binary from tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace junction::testing {

inline ProcessResult junction(const std::vector<std::string> &args, ProcessOptions options = {}) {
  // Only the plugin directories a test names are searched.
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env.emplace("JUNCTION_DEFAULT_PLUGIN_PATH", "");
  return run_process(junction_binary().string(), args, options);
}

// Writes `config_json` to DIR/junction.json and runs `args` with it (and, for `sync`, the
// built plugins), with `env` set: how connector tests pass a secret by reference.
inline ProcessResult junction_with_config(const TempDir &dir, const std::string &config_json,
                                          const std::vector<std::string> &args,
                                          std::map<std::string, std::string> env) {
  const auto config = dir.write("junction.json", config_json);
  std::vector<std::string> all = args;
  all.insert(all.end(), {"--config", config.string()});
  const auto runs_plugins = [&](const char *command) {
    return std::find(args.begin(), args.end(), command) != args.end();
  };
  if (runs_plugins("sync") || runs_plugins("retry")) {
    all.insert(all.end(), {"--plugin-path", built_plugin_dir().string()});
  }
  ProcessOptions options;
  options.set_env = std::move(env);
  options.time_limit = std::chrono::seconds(240);
  return junction(all, options);
}

// Copies test plugins into a fresh directory of the test's own.
inline void install_test_plugins(const std::filesystem::path &dir,
                                 const std::vector<std::string> &names) {
  std::filesystem::create_directories(dir);
  for (const auto &name : names) {
    std::filesystem::copy_file(test_plugin_dir() / name, dir / name,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

inline std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// The numbers of one flow's line in a sync summary: read, created, updated, unchanged,
// deleted, failed, filtered.
inline std::vector<long long> summary_of(const std::string &out, const std::string &flow) {
  for (const auto &line : lines_of(out)) {
    if (line.rfind(flow + " ", 0) != 0) continue;
    std::istringstream in(line.substr(flow.size()));
    std::vector<long long> numbers;
    long long n = 0;
    for (int i = 0; i < 7 && in >> n; ++i) numbers.push_back(n);
    return numbers;
  }
  return {};
}

// The WRITTEN column of one flow's line: records written where the target could not tell
// created from updated. -1 when the flow has no line.
inline long long written_of(const std::string &out, const std::string &flow) {
  for (const auto &line : lines_of(out)) {
    if (line.rfind(flow + " ", 0) != 0) continue;
    std::istringstream in(line.substr(flow.size()));
    long long n = 0;
    for (int i = 0; i < 8 && in >> n; ++i) {
    }
    return n;
  }
  return -1;
}

}  // namespace junction::testing
