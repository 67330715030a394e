// What the commands that work on the state store share: the loaded config and the open
// store, with problems already reported.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "config/host_config.hpp"
#include "store/state_store.hpp"

namespace junction::cli {

struct StoreSession {
  config::HostConfig config;
  std::unique_ptr<store::StateStore> store;
  // Source fields whose values are never shown, by flow.
  std::map<std::string, std::set<std::string>> sensitive_by_flow;

  // Replaces the sensitive fields of a record as read with "***".
  void mask(const std::string &flow, nlohmann::json &record) const;
};

// Loads the config and opens its store; on failure prints why and sets `code` (2 for the
// config, 1 for the store).
std::unique_ptr<StoreSession> open_store_session(const std::string &config_file, std::ostream &err,
                                                 int &code);

}  // namespace junction::cli
