// junction plugins list | describe NAME
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

std::string entity_names(const plugin::Manifest &m) {
  std::string names;
  for (const auto &e : m.entities) names += (names.empty() ? "" : ",") + e.name;
  return names.empty() ? "-" : names;
}

nlohmann::json manifest_json(const plugin::PluginFile &p, bool with_schema) {
  const auto &m = p.manifest;
  nlohmann::json entities = nlohmann::json::array();
  for (const auto &e : m.entities) {
    nlohmann::json roles = nlohmann::json::array();
    if (e.source) roles.push_back("source");
    if (e.sink) roles.push_back("sink");
    nlohmann::json entity = {
        {"name", e.name}, {"description", e.description}, {"key", e.key}, {"roles", roles}};
    if (!e.owns.empty()) entity["owns"] = e.owns;
    if (!e.conditional_writes.empty()) entity["conditional_writes"] = e.conditional_writes;
    entities.push_back(std::move(entity));
  }
  nlohmann::json roles = nlohmann::json::array();
  if (m.is_source) roles.push_back("source");
  if (m.is_sink) roles.push_back("sink");
  nlohmann::json out = {{"name", m.name},         {"version", m.version},
                        {"abi", m.abi_text()},    {"description", m.description},
                        {"roles", roles},         {"entities", entities},
                        {"path", p.path.string()}};
  if (with_schema) out["config_schema"] = m.config_schema;
  return out;
}

void print_refusals(std::ostream &err, const plugin::Catalog &catalog) {
  for (const auto &r : catalog.refusals) err << "refused: " << r.to_string() << "\n";
}

bool load_optional_config(const po::variables_map &values, std::ostream &err,
                          std::optional<config::LoadedConfig> &loaded) {
  if (values.count("config") == 0U) return true;
  loaded = config::load_host_config(values["config"].as<std::string>());
  if (!loaded->problems.empty()) {
    print_diagnostics(err, loaded->problems);
    return false;
  }
  return true;
}

}  // namespace

int run_plugins_list(const CommandArgs &command) {
  po::options_description options("options");
  add_plugin_path_option(options);
  options.add_options()("config", po::value<std::string>(), "also search the config's plugin_path")(
      "json", "print JSON instead of a table");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "[--plugin-path DIR]... [--config FILE] [--json]", options,
                          values, code)) {
    return code;
  }
  std::optional<config::LoadedConfig> loaded;
  if (!load_optional_config(values, command.err, loaded)) return exit_usage;
  const auto catalog = build_catalog(values, loaded ? &loaded->config : nullptr);

  if (values.count("json") != 0U) {
    nlohmann::json out = {{"plugins", nlohmann::json::array()},
                          {"refused", nlohmann::json::array()}};
    for (const auto &p : catalog.plugins) out["plugins"].push_back(manifest_json(p, false));
    for (const auto &r : catalog.refusals) {
      out["refused"].push_back({{"path", r.path.string()}, {"reason", r.reason}});
    }
    command.out << out.dump(2) << "\n";
  } else {
    command.out << std::left << std::setw(16) << "NAME" << std::setw(10) << "VERSION"
                << std::setw(6) << "ABI" << std::setw(14) << "ROLES" << std::setw(24) << "ENTITIES"
                << "PATH\n";
    for (const auto &p : catalog.plugins) {
      const auto &m = p.manifest;
      command.out << std::left << std::setw(16) << m.name << std::setw(10) << m.version
                  << std::setw(6) << m.abi_text() << std::setw(14) << m.roles_text()
                  << std::setw(24) << entity_names(m) << p.path.string() << "\n";
    }
    if (catalog.plugins.empty()) command.out << "(no plugins found)\n";
  }
  print_refusals(command.err, catalog);
  return catalog.refusals.empty() ? exit_ok : exit_usage;
}

int run_plugins_describe(const CommandArgs &command) {
  po::options_description options("options");
  add_plugin_path_option(options);
  options.add_options()("name", po::value<std::string>()->required(), "plugin name")(
      "config", po::value<std::string>(), "also search the config's plugin_path")(
      "json", "print the manifest as JSON");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "NAME [--plugin-path DIR]... [--config FILE] [--json]", options,
                          values, code, &positional)) {
    return code;
  }
  std::optional<config::LoadedConfig> loaded;
  if (!load_optional_config(values, command.err, loaded)) return exit_usage;
  const auto catalog = build_catalog(values, loaded ? &loaded->config : nullptr);
  const auto name = values["name"].as<std::string>();
  const plugin::PluginFile *p = catalog.find(name);
  if (p == nullptr) {
    command.err << "junction plugins describe: no plugin named '" << name
                << "' on the plugin path\n";
    print_refusals(command.err, catalog);
    return exit_usage;
  }
  const auto &m = p->manifest;
  if (values.count("json") != 0U) {
    command.out << manifest_json(*p, true).dump(2) << "\n";
    return exit_ok;
  }
  command.out << m.name << " " << m.version << " (ABI " << m.abi_text() << ")\n"
              << m.description << "\n\n"
              << "roles:    " << m.roles_text() << "\n"
              << "file:     " << p->path.string() << "\n"
              << "entities:\n";
  for (const auto &e : m.entities) {
    command.out << "  " << e.name;
    if (!e.key.empty()) {
      command.out << " (key:";
      for (const auto &k : e.key) command.out << " " << k;
      command.out << ")";
    }
    if (!e.description.empty()) command.out << " - " << e.description;
    command.out << "\n";
    if (!e.owns.empty()) {
      command.out << "    owns:";
      for (const auto &f : e.owns) command.out << " " << f;
      command.out << "\n";
    }
    if (!e.conditional_writes.empty()) {
      command.out << "    conditional writes: " << e.conditional_writes << "\n";
    }
  }
  command.out << "config schema:\n" << m.config_schema.dump(2) << "\n";
  return exit_ok;
}

}  // namespace junction::cli
