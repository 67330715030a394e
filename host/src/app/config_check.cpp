#include "app/config_check.hpp"

#include <optional>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "config/schema_validator.hpp"
#include "engine/field_names.hpp"
#include "plugin/loader.hpp"
#include "store/state_store.hpp"
#include "store/store_location.hpp"

namespace junction::app {
namespace {

std::string plugin_names(const plugin::Catalog &catalog) {
  std::string names;
  for (const auto &p : catalog.plugins) names += (names.empty() ? "" : ", ") + p.manifest.name;
  return names.empty() ? "none found on the plugin path" : names;
}

// A plugin whose file was refused deserves the refusal, not "unknown".
std::string missing_plugin_message(const std::string &name, const plugin::Catalog &catalog) {
  for (const auto &refusal : catalog.refusals) {
    if (refusal.path.stem() == name) {
      return "plugin '" + name + "' was refused: " + refusal.to_string();
    }
  }
  return "unknown plugin '" + name + "' (available: " + plugin_names(catalog) + ")";
}

// The files refused because an earlier one on the path has this plugin's name.
std::string shadowed_copies(const std::string &name, const plugin::Catalog &catalog) {
  std::string files;
  for (const auto &refusal : catalog.refusals) {
    if (refusal.duplicate_of == name) files += (files.empty() ? "" : ", ") + refusal.path.string();
  }
  return files;
}

// A connector and entity used at `where` ("/flows/0/from", "/syncs/0/systems/1") can be
// read (a source) or written (a sink), as its plugin's manifest says.
void check_endpoint(const config::HostConfig &config, const std::string &where,
                    const std::string &connector_name, const std::string &entity_name,
                    bool want_source, const plugin::Catalog &catalog,
                    config::Diagnostics &problems) {
  auto connector = config.connectors.find(connector_name);
  if (connector == config.connectors.end()) return;  // reported by the loader
  const plugin::PluginFile *file = catalog.find(connector->second.plugin);
  if (file == nullptr) return;  // reported with the connector
  const auto &m = file->manifest;
  const char *role = want_source ? "source" : "sink";
  if (want_source ? !m.is_source : !m.is_sink) {
    problems.push_back({config.file.string(), where + "/connector",
                        "connector '" + connector_name + "' (plugin " + m.name + ") cannot be a " +
                            role + "; it is: " + m.roles_text()});
    return;
  }
  const plugin::EntityInfo *entity = m.find_entity(entity_name);
  if (entity == nullptr) {
    std::string offered;
    for (const auto &e : m.entities) offered += (offered.empty() ? "" : ", ") + e.name;
    problems.push_back({config.file.string(), where + "/entity",
                        "plugin " + m.name + " offers no entity '" + entity_name +
                            "' (expected one of: " + (offered.empty() ? "none" : offered) + ")"});
  } else if (want_source ? !entity->source : !entity->sink) {
    problems.push_back(
        {config.file.string(), where + "/entity",
         "entity '" + entity_name + "' of plugin " + m.name + " cannot be a " + role});
  }
}

// Each system of a sync: its connector reads and writes as its access needs, and the
// fields the sync maps exist there when the connector can tell them now.
void check_sync_systems(const config::HostConfig &config, const config::SyncConfig &sync,
                        const plugin::Catalog &catalog, CheckedConfig &checked) {
  const std::string file = config.file.string();
  for (const auto &s : sync.systems) {
    if (s.access != "write_only") {
      check_endpoint(config, s.pointer, s.connector, s.entity, true, catalog, checked.problems);
    }
    if (s.access != "read_only") {
      check_endpoint(config, s.pointer, s.connector, s.entity, false, catalog, checked.problems);
    }
    const auto connector = checked.connectors.find(s.connector);
    if (connector == checked.connectors.end()) continue;
    std::optional<std::vector<std::string>> fields;
    try {
      fields = connector->second->describe_fields(s.entity);
    } catch (const plugin::CallError &e) {
      if (e.status() == JN_INVALID_CONFIG) {
        checked.problems.push_back({file, s.pointer + "/entity", e.what()});
      } else {
        spdlog::warn(
            "sync {}: cannot read the fields of system {} now ({}); the cycle will "
            "check them",
            sync.name, s.name, e.what());
      }
      continue;
    }
    if (!fields) continue;
    const auto lacks = [&](const std::string &name) {
      return std::find(fields->begin(), fields->end(), name) == fields->end();
    };
    for (const auto &f : s.fields) {
      if (!lacks(f.field)) continue;
      checked.problems.push_back({file, s.pointer + "/fields/" + f.canonical,
                                  s.connector + "/" + s.entity + " has no field " +
                                      engine::field_with_suggestion(f.field, *fields) +
                                      "; its fields are: " + engine::field_list_text(*fields)});
    }
    for (std::size_t k = 0; k < s.key.size(); ++k) {
      if (!lacks(s.key[k])) continue;
      checked.problems.push_back({file, s.pointer + "/key/" + std::to_string(k),
                                  s.connector + "/" + s.entity + " has no key field " +
                                      engine::field_with_suggestion(s.key[k], *fields)});
    }
  }
}

// The fields a flow's mapping and filter name must exist in its source, when the connector
// can tell them now (a CSV header, a table's columns); otherwise the run checks its first
// batch.
void check_source_fields(plugin::ConnectorInstance &source, const config::FlowConfig &flow,
                         const engine::Mapping &mapping, const std::string &file,
                         config::Diagnostics &problems) {
  std::optional<std::vector<std::string>> fields;
  try {
    fields = source.describe_fields(flow.from.entity);
  } catch (const plugin::CallError &e) {
    if (e.status() == JN_INVALID_CONFIG) {
      problems.push_back({file, flow.pointer + "/from", e.what()});
    } else {
      spdlog::warn("flow {}: cannot read the fields of {}/{} now ({}); the run will check them",
                   flow.name, flow.from.connector, flow.from.entity, e.what());
    }
    return;
  }
  if (!fields) return;
  for (const auto &missing : mapping.missing_fields(*fields)) {
    problems.push_back({file, missing.pointer,
                        flow.from.connector + "/" + flow.from.entity + " has " + missing.message +
                            "; its fields are: " + engine::field_list_text(*fields) +
                            " (set \"optional\": true if the source may lack it)"});
  }
}

// A flow's target entity must be one its connector defines (a CSV or SQL connector names
// its entities in its config); what cannot be told now is left to the run.
void check_target_entity(plugin::ConnectorInstance &target, const config::FlowConfig &flow,
                         const std::string &file, config::Diagnostics &problems) {
  try {
    target.describe_fields(flow.to.entity);
  } catch (const plugin::CallError &e) {
    if (e.status() == JN_INVALID_CONFIG) problems.push_back({file, flow.pointer + "/to", e.what()});
  }
}

}  // namespace

CheckedConfig check_against_plugins(const config::HostConfig &config,
                                    const plugin::Catalog &catalog, bool start_connectors) {
  CheckedConfig checked;
  auto &problems = checked.problems;
  const std::string file = config.file.string();
  for (const auto &[name, connector] : config.connectors) {
    if (connector.plugin.empty()) continue;  // the schema reported it
    const plugin::PluginFile *plugin_file = catalog.find(connector.plugin);
    if (plugin_file == nullptr) {
      problems.push_back(
          {file, connector.pointer + "/plugin", missing_plugin_message(connector.plugin, catalog)});
      continue;
    }
    if (const auto shadowed = shadowed_copies(connector.plugin, catalog); !shadowed.empty()) {
      // Which code runs must not depend on the order of the plugin path.
      problems.push_back({file, connector.pointer + "/plugin",
                          "plugin '" + connector.plugin + "' is on the plugin path twice: " +
                              plugin_file->path.string() + " and " + shadowed +
                              "; remove one (junction plugins list shows the path)"});
      continue;
    }
    auto settings_problems = plugin_file->manifest.config_validator->validate(
        connector.settings, file, connector.pointer + "/config", config.secret_pointers);
    if (!settings_problems.empty()) {
      problems.insert(problems.end(), settings_problems.begin(), settings_problems.end());
      continue;
    }
    if (!start_connectors) continue;
    std::string why;
    const plugin::LoadedPlugin loaded = plugin::load_plugin(*plugin_file, why);
    if (loaded.table == nullptr) {
      problems.push_back({file, connector.pointer + "/plugin",
                          "plugin '" + connector.plugin + "' (" + plugin_file->path.string() +
                              ") refused: " + why});
      continue;
    }
    spdlog::debug("loaded plugin {} {} from {}", plugin_file->manifest.name,
                  plugin_file->manifest.version, plugin_file->path.string());
    try {
      checked.connectors.emplace(
          name, std::make_unique<plugin::ConnectorInstance>(loaded, name, connector.settings.dump(),
                                                            config.file.parent_path().string()));
    } catch (const plugin::CallError &e) {
      problems.push_back({file, connector.pointer + "/config",
                          std::string(e.what()) + " (" + plugin::status_text(e.status()) + ")"});
    }
  }
  for (const auto &flow : config.flows) {
    check_endpoint(config, flow.pointer + "/from", flow.from.connector, flow.from.entity, true,
                   catalog, problems);
    check_endpoint(config, flow.pointer + "/to", flow.to.connector, flow.to.entity, false, catalog,
                   problems);
    if (flow.definition.contains("match")) {
      // Accepted silently, it would promise duplicates are avoided when nothing matches yet.
      problems.push_back({file, flow.pointer + "/match",
                          "a one-way flow does not match records; matching belongs to a sync "
                          "(\"syncs\", docs/sync.md): remove \"match\" here"});
    }
    std::optional<engine::Mapping> compiled;
    try {
      compiled = engine::Mapping::compile(flow, file, problems);
    } catch (const nlohmann::json::exception &) {
      // A value of the wrong type (the schema names it with its pointer): nothing more of
      // this mapping can be checked.
      problems.push_back({file, flow.pointer + "/mapping",
                          "cannot be checked further: a value in it has the wrong type"});
      continue;
    }
    auto mapping = std::move(*compiled);
    if (auto source = checked.connectors.find(flow.from.connector);
        source != checked.connectors.end()) {
      check_source_fields(*source->second, flow, mapping, file, problems);
    }
    if (auto target = checked.connectors.find(flow.to.connector);
        target != checked.connectors.end()) {
      check_target_entity(*target->second, flow, file, problems);
    }
    checked.mappings.emplace(flow.name, std::move(mapping));
  }
  for (const auto &sync : config.syncs) check_sync_systems(config, sync, catalog, checked);
  for (const auto &refusal : catalog.refusals) {
    const bool used =
        std::any_of(config.connectors.begin(), config.connectors.end(),
                    [&](const auto &c) { return c.second.plugin == refusal.duplicate_of; });
    if (!refusal.duplicate_of.empty() && !used) {
      spdlog::warn("plugin path: {} (no connector of this config uses it)", refusal.to_string());
    }
  }
  return checked;
}

namespace {

// Opens one endpoint as a run would; a failure becomes a problem at `pointer`.
void try_endpoint(CheckedConfig &checked, const std::string &file, const std::string &pointer,
                  const std::string &connector_name, const std::string &entity,
                  const std::vector<std::string> &key, bool as_source,
                  config::Diagnostics &problems) {
  const auto connector = checked.connectors.find(connector_name);
  if (connector == checked.connectors.end()) return;  // it could not start: reported
  for (const auto &known : checked.problems) {
    if (known.pointer == pointer) return;  // the check without connecting found it already
  }
  const std::string what = connector_name + "/" + entity;
  try {
    if (as_source) {
      plugin::SourceOptions options;
      options.entity = entity;
      options.batch_size = 1;
      options.key_fields = key;
      auto source = connector->second->open_source(options);
      source->next();  // one record: the source really answers; nothing is acknowledged
    } else {
      auto sink = connector->second->open_sink(entity, key, "junction-check");
    }  // closed without commit
  } catch (const plugin::CallError &e) {
    problems.push_back({file, pointer,
                        "cannot open " + what + (as_source ? " to read: " : " to write: ") +
                            e.what() + " (" + plugin::status_text(e.status()) + ")"});
  } catch (const std::exception &e) {
    problems.push_back({file, pointer, "cannot open " + what + ": " + e.what()});
  }
}

}  // namespace

config::Diagnostics check_connections(const config::HostConfig &config, CheckedConfig &checked) {
  config::Diagnostics problems;
  const std::string file = config.file.string();
  std::string why;
  if (const auto location =
          store::parse_store_location(config.store, config.file.parent_path(), why)) {
    if (const auto problem = store::StateStore::probe(*location); !problem.empty()) {
      problems.push_back({file, "/store", problem});
    }
  }
  for (const auto &flow : config.flows) {
    if (!flow.enabled) continue;
    try_endpoint(checked, file, flow.pointer + "/from", flow.from.connector, flow.from.entity,
                 flow.from.key, true, problems);
    try_endpoint(checked, file, flow.pointer + "/to", flow.to.connector, flow.to.entity,
                 flow.to.key, false, problems);
  }
  for (const auto &sync : config.syncs) {
    if (!sync.enabled) continue;
    for (const auto &s : sync.systems) {
      if (s.access != "write_only") {
        try_endpoint(checked, file, s.pointer, s.connector, s.entity, s.key, true, problems);
      }
      if (s.access != "read_only") {
        try_endpoint(checked, file, s.pointer, s.connector, s.entity, s.key, false, problems);
      }
    }
  }
  return problems;
}

}  // namespace junction::app
