#include "config/host_config.hpp"

#include <fstream>
#include <sstream>

#include "config/json_text.hpp"
#include "config/references.hpp"
#include "config/schema_validator.hpp"
#include "resources/embedded_schemas.hpp"

namespace junction::config {
namespace {

using json = nlohmann::json;

const SchemaValidator &host_schema() {
  static const SchemaValidator validator(json::parse(resources::host_config_schema_json()));
  return validator;
}

std::filesystem::path anchored(const std::filesystem::path &base, const std::string &path) {
  std::filesystem::path p(path);
  return p.is_relative() ? (base / p).lexically_normal() : p;
}

Endpoint read_endpoint(const json &node) {
  Endpoint e;
  if (!node.is_object()) return e;
  e.connector = node.value("connector", "");
  e.entity = node.value("entity", "");
  if (auto key = node.find("key"); key != node.end() && key->is_array()) {
    for (const auto &k : *key) {
      if (k.is_string()) e.key.push_back(k.get<std::string>());
    }
  }
  return e;
}

// Takes what the schema accepted into the typed model; tolerant of what it rejected, so
// that cross-reference checks can still run and report their own problems.
void build_model(const json &doc, HostConfig &config) {
  const auto base = config.file.parent_path();
  if (auto store = doc.find("store"); store != doc.end() && store->is_string()) {
    config.store = store->get<std::string>();
  }
  if (auto paths = doc.find("plugin_path"); paths != doc.end() && paths->is_array()) {
    for (const auto &p : *paths) {
      if (p.is_string()) config.plugin_path.push_back(anchored(base, p.get<std::string>()));
    }
  }
  if (auto connectors = doc.find("connectors");
      connectors != doc.end() && connectors->is_object()) {
    for (auto it = connectors->begin(); it != connectors->end(); ++it) {
      if (!it->is_object()) continue;
      ConnectorConfig c;
      c.name = it.key();
      c.plugin = it->value("plugin", "");
      if (auto settings = it->find("config"); settings != it->end()) c.settings = *settings;
      c.pointer = (json::json_pointer("/connectors") / it.key()).to_string();
      config.connectors.emplace(c.name, std::move(c));
    }
  }
  if (auto flows = doc.find("flows"); flows != doc.end() && flows->is_array()) {
    for (std::size_t i = 0; i < flows->size(); ++i) {
      const auto &f = (*flows)[i];
      if (!f.is_object()) continue;
      FlowConfig flow;
      flow.name = f.value("name", "");
      flow.pointer = "/flows/" + std::to_string(i);
      flow.enabled = f.value("enabled", true);
      flow.from = read_endpoint(f.value("from", json::object()));
      flow.to = read_endpoint(f.value("to", json::object()));
      flow.definition = f;
      config.flows.push_back(std::move(flow));
    }
  }
}

// JSON objects have no order, but admins expect the columns they wrote in that order.
void remember_mapping_order(const std::string &text, HostConfig &config) {
  const auto ordered = nlohmann::ordered_json::parse(text, nullptr, false, true);
  if (ordered.is_discarded() || !ordered.contains("flows") || !ordered["flows"].is_array()) return;
  const auto &flows = ordered["flows"];
  for (std::size_t i = 0; i < flows.size() && i < config.flows.size(); ++i) {
    const auto &flow = flows[i];
    if (!flow.is_object() || !flow.contains("mapping") || !flow["mapping"].is_object()) continue;
    for (auto it = flow["mapping"].begin(); it != flow["mapping"].end(); ++it) {
      config.flows[i].mapping_order.push_back(it.key());
    }
  }
}

void check_cross_references(const HostConfig &config, const std::string &file,
                            Diagnostics &problems) {
  std::map<std::string, std::string> first_flow_by_name;
  for (const auto &flow : config.flows) {
    if (!flow.name.empty()) {
      auto [it, inserted] = first_flow_by_name.emplace(flow.name, flow.pointer);
      if (!inserted) {
        problems.push_back(
            {file, flow.pointer + "/name",
             "duplicate flow name '" + flow.name + "' (first used at " + it->second + ")"});
      }
    }
    const std::pair<const Endpoint *, const char *> ends[] = {{&flow.from, "from"},
                                                              {&flow.to, "to"}};
    for (const auto &[end, label] : ends) {
      if (!end->connector.empty() && !config.connectors.contains(end->connector)) {
        std::string known;
        for (const auto &[name, c] : config.connectors) known += (known.empty() ? "" : ", ") + name;
        problems.push_back({file, flow.pointer + "/" + label + "/connector",
                            "unknown connector '" + end->connector + "' (expected one of: " +
                                (known.empty() ? "none defined" : known) + ")"});
      }
    }
  }
}

}  // namespace

bool HostConfig::is_secret(const std::string &pointer) const {
  for (const auto &s : secret_pointers) {
    if (pointer == s || pointer.rfind(s + "/", 0) == 0) return true;
  }
  return false;
}

LoadedConfig load_host_config_text(const std::string &text, const std::filesystem::path &file) {
  LoadedConfig loaded;
  loaded.config.file = file;
  const std::string label = file.string();
  auto parsed = parse_json_text(text, label);
  if (parsed.error) {
    loaded.problems.push_back({label, "", *parsed.error});
    // A syntax error has its own location format; keep it whole.
    loaded.problems.back().file.clear();
    return loaded;
  }
  json doc = std::move(parsed.value);
  loaded.parsed = true;
  resolve_references(doc, label, process_reference_sources(file.parent_path()), loaded.problems,
                     loaded.config.secret_pointers);
  auto schema_problems = host_schema().validate(doc, label, "", loaded.config.secret_pointers);
  loaded.problems.insert(loaded.problems.end(), schema_problems.begin(), schema_problems.end());
  build_model(doc, loaded.config);
  remember_mapping_order(text, loaded.config);
  if (loaded.config.store.empty()) loaded.config.store = "sqlite:var/state.db";
  check_cross_references(loaded.config, label, loaded.problems);
  return loaded;
}

LoadedConfig load_host_config(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadedConfig loaded;
    loaded.config.file = file;
    loaded.problems.push_back({file.string(), "", "cannot read the config file"});
    return loaded;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_host_config_text(buffer.str(), file);
}

}  // namespace junction::config
