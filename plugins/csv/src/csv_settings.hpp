// The csv connector's settings for one entity, read from its (already schema-validated)
// config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "csv_parser.hpp"
#include "text_encoding.hpp"

namespace junction::csv {

struct EntitySettings {
  std::string name;
  // Reading
  std::string file;  // one file, read whole every run (a snapshot)...
  std::string dir;   // ...or the files in dir matching pattern, each read once
  std::string pattern;
  bool skip_processed = true;
  bool allow_missing = false;         // a missing `file` is read as empty instead of failing
  std::int64_t stable_for_ms = 1000;  // unchanged size and mtime for this long
  std::string ready_suffix;           // or: read X only once X<suffix> exists
  std::string archive_dir;            // move fully handled files here
  Dialect dialect;
  bool header = true;
  std::vector<std::string> columns;
  Encoding encoding = Encoding::utf8;
  std::size_t max_row_bytes = Parser::default_row_limit;  // longer rows are rejected
  // Writing
  std::string output_dir;
  std::string file_name = "{entity}-{date}-{run}.csv";
  bool append = false;
  std::uint64_t rotate_bytes = 0;  // append mode: start a new file past this size
  bool crlf = false;
};

struct Settings {
  std::map<std::string, EntitySettings> entities;
};

// Throws junction::ConfigError. Relative paths are resolved with `resolve`.
template <typename Resolve>
Settings read_settings(const nlohmann::json &config, Resolve resolve);


}  // namespace junction::csv

#include "csv_settings_impl.hpp"
