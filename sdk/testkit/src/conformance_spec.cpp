#include "conformance_spec.hpp"

#include <fstream>
#include <stdexcept>

namespace junction::testkit {
namespace {

std::vector<std::string> strings_at(const nlohmann::json &spec, const char *name,
                                    const std::string &file) {
  std::vector<std::string> out;
  if (!spec.contains(name)) return out;
  const auto &list = spec.at(name);
  if (!list.is_array()) throw std::runtime_error(file + ": /" + name + " must be an array");
  for (const auto &item : list) {
    if (!item.is_string()) {
      throw std::runtime_error(file + ": /" + name + " must hold strings only");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

ConformanceSpec read_conformance_spec(const std::string &file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the conformance spec " + file);
  nlohmann::json spec;
  try {
    spec = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(file + ": not JSON: " + e.what());
  }
  if (!spec.is_object()) throw std::runtime_error(file + ": must be a JSON object");
  const auto require = [&](const char *name, bool ok) {
    if (!ok) throw std::runtime_error(file + ": /" + name + " is missing or of the wrong type");
  };
  ConformanceSpec out;
  require("plugin", spec.contains("plugin") && spec["plugin"].is_string());
  require("entity", spec.contains("entity") && spec["entity"].is_string());
  require("config", spec.contains("config") && spec["config"].is_object());
  require("records", spec.contains("records") && spec["records"].is_array());
  out.plugin = spec["plugin"].get<std::string>();
  out.entity = spec["entity"].get<std::string>();
  out.config = spec["config"];
  out.key = strings_at(spec, "key", file);
  require("key", !out.key.empty());
  for (const auto &record : spec["records"]) {
    if (!record.is_object()) throw std::runtime_error(file + ": /records holds objects only");
    for (const auto &name : out.key) {
      if (!record.contains(name)) {
        throw std::runtime_error(file + ": a record of /records has no key field " + name);
      }
    }
    out.records.push_back(record);
  }
  if (out.records.size() < 3) throw std::runtime_error(file + ": /records needs at least 3");
  if (spec.contains("invalid_configs")) {
    require("invalid_configs", spec["invalid_configs"].is_array());
    for (const auto &config : spec["invalid_configs"]) out.invalid_configs.push_back(config);
  }
  require("invalid_configs", !out.invalid_configs.empty());
  out.setup = strings_at(spec, "setup", file);
  out.fixture = strings_at(spec, "fixture", file);
  if (spec.contains("read_mode")) {
    out.read_mode = spec["read_mode"].get<std::string>();
    require("read_mode", out.read_mode == "snapshot" || out.read_mode == "incremental");
  }
  if (spec.contains("batch_size")) {
    require("batch_size", spec["batch_size"].is_number_unsigned());
    out.batch_size = spec["batch_size"].get<std::uint32_t>();
    require("batch_size", out.batch_size > 0);
  }
  if (spec.contains("sink_discards_uncommitted")) {
    require("sink_discards_uncommitted", spec["sink_discards_uncommitted"].is_boolean());
    out.sink_discards_uncommitted = spec["sink_discards_uncommitted"].get<bool>();
  }
  if (spec.contains("rewrites_are_idempotent")) {
    require("rewrites_are_idempotent", spec["rewrites_are_idempotent"].is_boolean());
    out.rewrites_are_idempotent = spec["rewrites_are_idempotent"].get<bool>();
  }
  return out;
}

std::string with_placeholders(std::string text, const std::string &workdir,
                              const std::string &fixture) {
  const auto replace_all = [&text](const std::string &from, const std::string &to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace_all("@WORKDIR@", workdir);
  replace_all("@FIXTURE@", fixture);
  return text;
}

nlohmann::json with_placeholders(const nlohmann::json &value, const std::string &workdir,
                                 const std::string &fixture) {
  if (value.is_string()) {
    return with_placeholders(value.get<std::string>(), workdir, fixture);
  }
  if (value.is_object() || value.is_array()) {
    nlohmann::json out = value;
    for (auto &item : out) item = with_placeholders(item, workdir, fixture);
    return out;
  }
  return value;
}

}  // namespace junction::testkit
