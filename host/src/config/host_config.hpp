// The host's configuration as loaded from one JSON file.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.hpp"

namespace junction::config {

struct ConnectorConfig {
  std::string name;
  std::string plugin;
  nlohmann::json settings = nlohmann::json::object();  // the plugin's "config" object
  std::string pointer;                                 // "/connectors/<name>"
};

struct Endpoint {
  std::string connector;
  std::string entity;
  std::vector<std::string> key;
};

struct FlowConfig {
  std::string name;
  std::string pointer;  // "/flows/<index>"
  bool enabled = true;
  Endpoint from;
  Endpoint to;
  nlohmann::json definition;               // the whole flow object, for the stages that read it
  std::vector<std::string> mapping_order;  // target fields as written in the file
};

struct HostConfig {
  std::filesystem::path file;
  std::string store;  // as written, references resolved; may hold a secret
  std::vector<std::filesystem::path> plugin_path;  // absolute
  std::map<std::string, ConnectorConfig> connectors;
  std::vector<FlowConfig> flows;
  std::set<std::string> secret_pointers;  // values from ${env:} / ${file:} references

  bool is_secret(const std::string &pointer) const;
};

struct LoadedConfig {
  HostConfig config;
  Diagnostics problems;  // empty when the file is usable
  bool parsed = false;   // the file was read and is JSON: its parts can be checked further
};

// Reads, resolves references, validates against config/schema/junction.schema.json and
// checks the references between sections. Every problem is reported, not only the first.
LoadedConfig load_host_config(const std::filesystem::path &file);

// Same, from text already read (tests; `file` only labels the messages and anchors
// relative paths).
LoadedConfig load_host_config_text(const std::string &text, const std::filesystem::path &file);

}  // namespace junction::config
