#include "config/host_config.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include <junction/duration.hpp>

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
  if (auto accounts = doc.find("accounts"); accounts != doc.end() && accounts->is_object()) {
    for (const auto &[name, a] : accounts->items()) {
      if (!a.is_object()) continue;
      AccountLimits limits;
      limits.requests_per_window = a.value("requests_per_window", std::int64_t{0});
      limits.window_ms = a.value("window_ms", std::int64_t{10000});
      limits.requests_per_day = a.value("requests_per_day", std::int64_t{0});
      config.accounts.emplace(name, limits);
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
  if (auto syncs = doc.find("syncs"); syncs != doc.end() && syncs->is_array()) {
    for (std::size_t i = 0; i < syncs->size(); ++i) {
      const auto &y = (*syncs)[i];
      if (!y.is_object()) continue;
      SyncConfig sync;
      sync.name = y.value("name", "");
      sync.pointer = "/syncs/" + std::to_string(i);
      sync.enabled = y.value("enabled", true);
      sync.definition = y;
      const auto systems = y.value("systems", json::array());
      for (std::size_t j = 0; systems.is_array() && j < systems.size(); ++j) {
        const auto &s = systems[j];
        if (!s.is_object()) continue;
        SyncSystemConfig system;
        system.name = s.value("name", "");
        system.pointer = sync.pointer + "/systems/" + std::to_string(j);
        const Endpoint end = read_endpoint(s);
        system.connector = end.connector;
        system.entity = end.entity;
        system.key = end.key;
        system.access = s.value("access", "read_write");
        system.read = s.value("read", "snapshot");
        system.changed_at = s.value("changed_at", "");
        system.assigns_key = s.value("assigns_key", false);
        const json fields = s.value("fields", json::object());
        for (const auto &[canonical, map] : fields.items()) {
          SyncFieldMap f;
          f.canonical = canonical;
          if (map.is_string()) {
            f.field = map.get<std::string>();
          } else if (map.is_object()) {
            f.field = map.value("field", "");
            f.read = map.value("read", true);
            f.write = map.value("write", true);
          }
          system.fields.push_back(std::move(f));
        }
        sync.systems.push_back(std::move(system));
      }
      config.syncs.push_back(std::move(sync));
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

void check_sync(const HostConfig &config, const SyncConfig &sync, const std::string &file,
                Diagnostics &problems);

// Durations a flow gives (retry delays, its schedule, filters' windows) must parse and be
// at most 100 years: larger values overflowed the arithmetic of delays and windows.
void check_durations(const FlowConfig &flow, const std::string &file, Diagnostics &problems) {
  // The schema names a duration of the wrong form; what is said here is its range.
  const auto well_formed = [](const std::string &text) {
    const auto digits = text.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos) return false;
    const std::string unit = text.substr(digits);
    return unit == "ms" || unit == "s" || unit == "m" || unit == "h" || unit == "d";
  };
  const auto check = [&](const json &value, const std::string &pointer) {
    if (!value.is_string() || !well_formed(value.get<std::string>()) ||
        parse_duration_ms(value.get<std::string>())) {
      return;
    }
    problems.push_back({file, pointer,
                        "'" + value.get<std::string>().substr(0, 40) +
                            "' is not a duration of at most 100 years (a number and ms, s, "
                            "m, h or d)"});
  };
  const json &d = flow.definition;
  if (d.contains("retry") && d["retry"].is_object()) {
    for (const char *key : {"initial_delay", "max_delay", "max_elapsed"}) {
      if (d["retry"].contains(key)) check(d["retry"][key], flow.pointer + "/retry/" + key);
    }
  }
  if (d.contains("filter") && d["filter"].is_array()) {
    for (std::size_t i = 0; i < d["filter"].size(); ++i) {
      const json &f = d["filter"][i];
      if (f.is_object() && f.contains("within")) {
        check(f["within"], flow.pointer + "/filter/" + std::to_string(i) + "/within");
      }
    }
  }
}

void check_cross_references(const HostConfig &config, const std::string &file,
                            Diagnostics &problems) {
  std::map<std::string, std::string> first_sync_by_name;
  for (const auto &sync : config.syncs) {
    if (!sync.name.empty()) {
      auto [it, inserted] = first_sync_by_name.emplace(sync.name, sync.pointer);
      if (!inserted) {
        problems.push_back(
            {file, sync.pointer + "/name",
             "duplicate sync name '" + sync.name + "' (first used at " + it->second + ")"});
      }
    }
    check_sync(config, sync, file, problems);
  }
  std::map<std::string, std::string> first_flow_by_name;
  for (const auto &flow : config.flows) {
    check_durations(flow, file, problems);
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

// A sync's systems, fields, owners, holds and match rules refer to each other by name:
// every name that refers to nothing is reported, with its pointer.
void check_sync(const HostConfig &config, const SyncConfig &sync, const std::string &file,
                Diagnostics &problems) {
  std::map<std::string, const SyncSystemConfig *> systems;
  std::set<std::string> provided;  // canonical fields some system reads
  const auto canonical = sync.canonical_fields();
  const auto is_canonical = [&](const std::string &f) {
    return std::find(canonical.begin(), canonical.end(), f) != canonical.end();
  };
  const auto system_names = [&] {
    std::string names;
    for (const auto &s : sync.systems) names += (names.empty() ? "" : ", ") + s.name;
    return names;
  };
  for (const auto &s : sync.systems) {
    if (!systems.emplace(s.name, &s).second) {
      problems.push_back({file, s.pointer + "/name",
                          "duplicate system name '" + s.name + "' in sync '" + sync.name + "'"});
    }
    if (!s.connector.empty() && !config.connectors.contains(s.connector)) {
      problems.push_back(
          {file, s.pointer + "/connector", "unknown connector '" + s.connector + "'"});
    }
    std::set<std::string> written;
    for (const auto &f : s.fields) {
      if (f.read && s.access != "write_only") provided.insert(f.canonical);
      if (f.write) written.insert(f.field);
    }
    if (s.access != "read_only" && !s.assigns_key) {
      for (std::size_t k = 0; k < s.key.size(); ++k) {
        if (!written.contains(s.key[k])) {
          problems.push_back({file, s.pointer + "/key/" + std::to_string(k),
                              "key field '" + s.key[k] + "' of system '" + s.name +
                                  "' is not written from any canonical field: records created "
                                  "there would have no key (map it in \"fields\", make the "
                                  "system read_only, or set \"assigns_key\" when the system "
                                  "gives each new record its key)"});
        }
      }
    }
  }
  // Writes declared explicitly into a read-only system (a plain field of one is read only).
  const auto &raw_systems = sync.definition.value("systems", json::array());
  for (std::size_t j = 0; j < sync.systems.size() && j < raw_systems.size(); ++j) {
    const auto &s = sync.systems[j];
    if (s.access != "read_only") continue;
    const json fields = raw_systems[j].value("fields", json::object());
    for (const auto &[canonical_name, map] : fields.items()) {
      if (map.is_object() && map.value("write", false)) {
        problems.push_back({file, s.pointer + "/fields/" + canonical_name + "/write",
                            "field '" + canonical_name + "' is written into system '" + s.name +
                                "', which is read_only"});
      }
    }
  }
  const auto &d = sync.definition;
  if (auto owners = d.find("owners"); owners != d.end() && owners->is_object()) {
    for (const auto &[field, owner] : owners->items()) {
      const std::string pointer = sync.pointer + "/owners/" + field;
      if (field != "*" && !is_canonical(field)) {
        problems.push_back(
            {file, pointer,
             "owners names field '" + field + "', which no system of the sync maps"});
      }
      if (owner.is_string() && !systems.contains(owner.get<std::string>())) {
        problems.push_back({file, pointer,
                            "owner '" + owner.get<std::string>() + "' is not a system of sync '" +
                                sync.name + "' (expected one of: " + system_names() + ")"});
      }
    }
  }
  if (d.value("conflicts", "newest") == "owner" &&
      (!d.contains("owners") || !d["owners"].is_object() || d["owners"].empty())) {
    problems.push_back({file, sync.pointer + "/conflicts",
                        "conflicts \"owner\" needs \"owners\": which system owns which field"});
  }
  if (auto holds = d.find("hold"); holds != d.end() && holds->is_array()) {
    for (std::size_t h = 0; h < holds->size(); ++h) {
      const auto &hold = (*holds)[h];
      const std::string pointer = sync.pointer + "/hold/" + std::to_string(h);
      const std::string from = hold.value("from", "");
      if (!from.empty() && !systems.contains(from)) {
        problems.push_back({file, pointer + "/from",
                            "'" + from + "' is not a system of sync '" + sync.name +
                                "' (expected one of: " + system_names() + ")"});
      }
      const auto fields = hold.value("fields", json::array());
      for (std::size_t k = 0; fields.is_array() && k < fields.size(); ++k) {
        if (fields[k].is_string() && !is_canonical(fields[k].get<std::string>())) {
          problems.push_back({file, pointer + "/fields/" + std::to_string(k),
                              "field '" + fields[k].get<std::string>() +
                                  "' is not mapped by any system of the sync"});
        }
      }
    }
  }
  if (auto rules = d.find("match"); rules != d.end() && rules->is_array()) {
    for (std::size_t r = 0; r < rules->size(); ++r) {
      const auto &rule = (*rules)[r];
      for (std::size_t k = 0; rule.is_array() && k < rule.size(); ++k) {
        const auto &item = rule[k];
        const std::string field =
            item.is_string() ? item.get<std::string>() : item.value("field", std::string());
        if (!field.empty() && !provided.contains(field)) {
          problems.push_back(
              {file, sync.pointer + "/match/" + std::to_string(r) + "/" + std::to_string(k),
               "match field '" + field + "' is read from no system of the sync"});
        }
      }
    }
  }
}

}  // namespace

std::vector<std::string> SyncConfig::canonical_fields() const {
  std::set<std::string> names;
  for (const auto &s : systems) {
    for (const auto &f : s.fields) names.insert(f.canonical);
  }
  return {names.begin(), names.end()};
}

bool HostConfig::is_secret(const std::string &pointer) const {
  for (const auto &s : secret_pointers) {
    if (pointer == s || pointer.rfind(s + "/", 0) == 0) return true;
  }
  return false;
}

namespace {

// Deeper documents are refused before anything walks them (every walk is recursive).
constexpr std::size_t max_config_depth = 64;

// A key as a JSON pointer token (RFC 6901).
std::string escaped(const std::string &key) {
  std::string out;
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// The JSON pointer of the first value nested deeper than max_config_depth, if any; an
// explicit stack, so that a hostile document cannot exhaust the call stack here.
std::optional<std::string> too_deep(const json &doc) {
  struct Item {
    const json *node;
    std::size_t depth;
    std::string pointer;
  };
  std::vector<Item> items{{&doc, 0, ""}};
  while (!items.empty()) {
    Item item = std::move(items.back());
    items.pop_back();
    if (item.depth > max_config_depth) return item.pointer;
    if (item.node->is_object()) {
      for (auto it = item.node->begin(); it != item.node->end(); ++it) {
        items.push_back({&it.value(), item.depth + 1,
                         item.depth < max_config_depth ? item.pointer + "/" + escaped(it.key())
                                                       : item.pointer});
      }
    } else if (item.node->is_array()) {
      for (std::size_t i = 0; i < item.node->size(); ++i) {
        items.push_back({&(*item.node)[i], item.depth + 1,
                         item.depth < max_config_depth ? item.pointer + "/" + std::to_string(i)
                                                       : item.pointer});
      }
    }
  }
  return std::nullopt;
}

// Schedules of flows and syncs, the service section and the alerts.
void read_service_parts(const json &doc, const std::string &file, HostConfig &config,
                        Diagnostics &problems) {
  std::set<std::string> job_names;
  const auto read = [&](const json &definition, const std::string &pointer, Schedule &schedule) {
    if (!definition.contains("schedule")) return;
    std::vector<std::pair<std::string, std::string>> found;
    schedule = parse_schedule(definition["schedule"], found);
    for (const auto &[where, message] : found) {
      problems.push_back({file, pointer + "/schedule" + where, message});
    }
  };
  for (auto &flow : config.flows) {
    read(flow.definition, flow.pointer, flow.schedule);
    job_names.insert(flow.name);
  }
  for (auto &sync : config.syncs) {
    read(sync.definition, sync.pointer, sync.schedule);
    job_names.insert(sync.name);
  }
  read_service_config(doc, file, config.secret_pointers, config.service, problems);
  read_alerts_config(doc, file, job_names, config.alerts, problems);
}

}  // namespace

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
  if (const auto deep = too_deep(doc)) {
    loaded.problems.push_back({label, *deep,
                               "nested deeper than " + std::to_string(max_config_depth) +
                                   " levels; a config is never that deep"});
    return loaded;
  }
  loaded.parsed = true;
  resolve_references(doc, label, process_reference_sources(file.parent_path()), loaded.problems,
                     loaded.config.secret_pointers);
  auto schema_problems = host_schema().validate(doc, label, "", loaded.config.secret_pointers);
  loaded.problems.insert(loaded.problems.end(), schema_problems.begin(), schema_problems.end());
  try {
    build_model(doc, loaded.config);
    remember_mapping_order(text, loaded.config);
    if (loaded.config.store.empty()) loaded.config.store = "sqlite:var/state.db";
    check_cross_references(loaded.config, label, loaded.problems);
    read_service_parts(doc, label, loaded.config, loaded.problems);
  } catch (const json::exception &e) {
    // A value of the wrong type the schema has already named (a numeric flow name): its
    // problem says it, with the pointer. Otherwise the schema missed one; say where we were.
    if (schema_problems.empty()) {
      loaded.problems.push_back(
          {label, "", std::string("a value has the wrong type: ") + e.what()});
    }
    loaded.parsed = false;  // nothing built from this document is to be used
  }
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
