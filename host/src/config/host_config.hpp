// The host's configuration as loaded from one JSON file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.hpp"
#include "config/schedule.hpp"
#include "config/service_config.hpp"

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
  Schedule schedule;                       // when the service runs it
};

// One system of a sync: where its records live and how its fields read into (and are
// written from) the sync's canonical record.
struct SyncFieldMap {
  std::string canonical;
  std::string field;  // the system's own field
  bool read = true;
  bool write = true;
};

struct SyncSystemConfig {
  std::string name;
  std::string pointer;  // "/syncs/<i>/systems/<j>"
  std::string connector;
  std::string entity;
  std::vector<std::string> key;
  std::string access = "read_write";  // read_write, read_only, write_only
  std::string read = "snapshot";      // snapshot (whole, deletes by absence) or changes
  std::string changed_at;             // the system's change-time field, if any
  bool assigns_key = false;           // the system keys new records itself (a CRM's IDs)
  std::vector<SyncFieldMap> fields;   // by canonical name
};

struct SyncConfig {
  std::string name;
  std::string pointer;  // "/syncs/<index>"
  bool enabled = true;
  std::vector<SyncSystemConfig> systems;
  nlohmann::json definition;  // the whole sync object: policies, match rules, holds
  Schedule schedule;          // when the service runs it
  // Canonical fields, sorted: those any system maps.
  std::vector<std::string> canonical_fields() const;
};

// The admin's limits for one API account (see "accounts" in the config).
struct AccountLimits {
  std::int64_t requests_per_window = 0;
  std::int64_t window_ms = 10000;
  std::int64_t requests_per_day = 0;
};

struct HostConfig {
  std::filesystem::path file;
  std::string store;  // as written, references resolved; may hold a secret
  std::vector<std::filesystem::path> plugin_path;  // absolute
  std::map<std::string, ConnectorConfig> connectors;
  std::vector<FlowConfig> flows;
  std::vector<SyncConfig> syncs;
  std::map<std::string, AccountLimits> accounts;
  std::set<std::string> secret_pointers;  // values from ${env:} / ${file:} references
  ServiceConfig service;
  AlertsConfig alerts;

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
