// What `sync` and `plan` both start from: the config loaded and checked against its
// plugins (connectors started), the flows and syncs chosen by --flow and --sync, and the
// state store's location. Problems are collected, not printed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "app/config_check.hpp"
#include "config/host_config.hpp"
#include "plugin/catalog.hpp"
#include "store/store_location.hpp"

namespace junction::cli {

struct RunSetup {
  config::LoadedConfig loaded;
  app::CheckedConfig checked;
  std::optional<store::StoreLocation> location;
  std::vector<const config::FlowConfig *> flows;
  std::vector<const config::SyncConfig *> syncs;
  config::Diagnostics &problems() { return loaded.problems; }
};

// --flow NAME picks flows, --sync NAME picks syncs (both repeatable); with neither,
// every enabled flow and sync. With only one of them, only what it names.
void prepare_run(const boost::program_options::variables_map &values, RunSetup &setup);

// Adds --sync NAME to a command's options.
void add_sync_option(boost::program_options::options_description &options);

}  // namespace junction::cli
