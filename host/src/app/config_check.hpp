// Checks a loaded config against the plugins it names: each connector's plugin exists,
// loads and accepts its config (validated against the manifest's schema, then by the
// plugin itself); each flow reads from a source and writes to a sink that offer its
// entities.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/host_config.hpp"
#include "engine/mapping.hpp"
#include "plugin/catalog.hpp"
#include "plugin/connector_instance.hpp"

namespace junction::app {

struct CheckedConfig {
  config::Diagnostics problems;
  std::map<std::string, std::unique_ptr<plugin::ConnectorInstance>> connectors;
  std::map<std::string, engine::Mapping> mappings;  // by flow name
};

// With `start_connectors` the plugins are loaded and each connector instance created
// (plugins do no I/O when created). Without it, only manifests are consulted.
CheckedConfig check_against_plugins(const config::HostConfig &config,
                                    const plugin::Catalog &catalog, bool start_connectors);

// A test connection (`check --connect`): opens the state store without creating or
// migrating it, and every endpoint each flow and sync uses through the connectors
// `checked` started: a source is opened and one record read (nothing acknowledged), a
// sink opened and closed without writing. Every failure is a problem at its pointer.
config::Diagnostics check_connections(const config::HostConfig &config, CheckedConfig &checked);

}  // namespace junction::app
