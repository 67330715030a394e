// The sql connector's config, per entity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace junction::sql {

enum class WriteMode { upsert, insert, update };

struct EntitySettings {
  std::string name;
  std::string table;
  std::string query;                // a read-only query to read instead of the table
  long long overlap_seconds = 0;    // re-read this far behind the cursor (clock skew)
  std::vector<std::string> key;     // defaults to the flow's key
  std::vector<std::string> cursor;  // incremental reads order by these, then the key
  WriteMode write_mode = WriteMode::upsert;
  bool capture = false;            // read the trigger-filled change log instead of the table
  bool install_capture = false;    // create the change log and triggers when missing
  bool trim_acknowledged = true;   // delete log entries the host has acknowledged
  std::string soft_delete_column;  // deletes set this to the time instead of deleting
};

struct Settings {
  std::string url;
  bool create_database = false;  // SQLite: create the file when it does not exist
  std::map<std::string, EntitySettings> entities;
};

Settings read_settings(const nlohmann::json &config);

}  // namespace junction::sql
