#include "plugin/manifest.hpp"

#include <cstring>

#include <junction/abi.h>

#include "config/json_text.hpp"
#include "config/schema_validator.hpp"
#include "plugin/abi_handshake.hpp"
#include "plugin/elf_sections.hpp"
#include "resources/embedded_schemas.hpp"

namespace junction::plugin {
namespace {

const config::SchemaValidator &manifest_validator() {
  static const config::SchemaValidator validator(
      nlohmann::json::parse(resources::manifest_schema_json()));
  return validator;
}

bool has_role(const nlohmann::json &roles, const char *role) {
  for (const auto &r : roles) {
    if (r == role) return true;
  }
  return false;
}

}  // namespace

std::string Manifest::roles_text() const {
  if (is_source && is_sink) return "source, sink";
  return is_source ? "source" : (is_sink ? "sink" : "none");
}

std::string Manifest::abi_text() const {
  return std::to_string(abi_major) + "." + std::to_string(abi_minor);
}

const EntityInfo *Manifest::find_entity(const std::string &entity) const {
  const EntityInfo *wildcard = nullptr;
  for (const auto &e : entities) {
    if (e.name == entity) return &e;
    if (e.name == "*") wildcard = &e;
  }
  return wildcard;
}

std::optional<Manifest> read_manifest(const std::filesystem::path &file, std::string &why) {
  auto sections = read_elf_sections(file, {JN_ABI_STAMP_SECTION, JN_MANIFEST_SECTION}, why);
  if (!sections) return std::nullopt;

  auto stamp_it = sections->contents.find(JN_ABI_STAMP_SECTION);
  if (stamp_it == sections->contents.end()) {
    why = "not a plugin: no " JN_ABI_STAMP_SECTION
          " section (a plugin is built with "
          "junction_add_plugin() and exports itself with JUNCTION_PLUGIN())";
    return std::nullopt;
  }
  jn_abi_stamp stamp{};
  if (stamp_it->second.size() < sizeof stamp) {
    why = "not a plugin: truncated ABI stamp";
    return std::nullopt;
  }
  std::memcpy(&stamp, stamp_it->second.data(), sizeof stamp);
  if (std::memcmp(stamp.magic, JN_ABI_STAMP_MAGIC, sizeof stamp.magic) != 0) {
    why = "not a plugin: malformed ABI stamp";
    return std::nullopt;
  }
  if (auto wrong = check_abi_version(stamp.abi_major, stamp.abi_minor)) {
    why = *wrong;
    return std::nullopt;
  }

  auto manifest_it = sections->contents.find(JN_MANIFEST_SECTION);
  if (manifest_it == sections->contents.end()) {
    why = "invalid manifest: no " JN_MANIFEST_SECTION " section";
    return std::nullopt;
  }
  std::string text = manifest_it->second;
  while (!text.empty() && text.back() == '\0') text.pop_back();
  auto parsed = config::parse_json_text(text, "manifest");
  if (parsed.error) {
    why = "invalid manifest: " + *parsed.error;
    return std::nullopt;
  }
  const auto problems = manifest_validator().validate(parsed.value, "manifest");
  if (!problems.empty()) {
    why = "invalid manifest:";
    for (const auto &p : problems)
      why += " " + (p.pointer.empty() ? "/" : p.pointer) + ": " + p.message + ";";
    why.pop_back();
    return std::nullopt;
  }

  const auto &m = parsed.value;
  Manifest manifest;
  manifest.name = m["name"].get<std::string>();
  manifest.version = m["version"].get<std::string>();
  manifest.description = m["description"].get<std::string>();
  manifest.abi_major = stamp.abi_major;
  manifest.abi_minor = stamp.abi_minor;
  manifest.is_source = has_role(m["roles"], "source");
  manifest.is_sink = has_role(m["roles"], "sink");
  for (const auto &e : m["entities"]) {
    EntityInfo entity;
    entity.name = e["name"].get<std::string>();
    entity.description = e.value("description", "");
    entity.key = e.value("key", std::vector<std::string>{});
    entity.owns = e.value("owns", std::vector<std::string>{});
    entity.conditional_writes = e.value("conditional_writes", "");
    if (e.contains("roles")) {
      entity.source = has_role(e["roles"], "source");
      entity.sink = has_role(e["roles"], "sink");
    } else {
      entity.source = manifest.is_source;
      entity.sink = manifest.is_sink;
    }
    manifest.entities.push_back(std::move(entity));
  }
  manifest.config_schema = m["config_schema"];
  try {
    manifest.config_validator = std::make_shared<config::SchemaValidator>(manifest.config_schema);
  } catch (const std::exception &e) {
    why = std::string("invalid manifest: /config_schema is not a usable JSON Schema: ") + e.what();
    return std::nullopt;
  }
  return manifest;
}

}  // namespace junction::plugin
