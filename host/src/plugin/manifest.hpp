// What a plugin says about itself, read from its file before it is loaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace junction::config {
class SchemaValidator;
}

namespace junction::plugin {

struct EntityInfo {
  std::string name;  // "*": the connector's config names its entities
  std::string description;
  std::vector<std::string> key;
  // Fields the system owns in a sync unless the sync's "owners" say otherwise.
  std::vector<std::string> owns;
  // How the sink honours a batch's expected values (jn_batch.expected): "atomic" (checked
  // and written in one step), "checked" (read just before the write), or "" (ignored).
  std::string conditional_writes;
  bool source = true;
  bool sink = true;
};

struct Manifest {
  std::string name;
  std::string version;
  std::string description;
  std::uint32_t abi_major = 0;
  std::uint32_t abi_minor = 0;
  bool is_source = false;
  bool is_sink = false;
  std::vector<EntityInfo> entities;
  nlohmann::json config_schema;
  std::shared_ptr<const config::SchemaValidator> config_validator;

  std::string roles_text() const;                                  // "source, sink"
  std::string abi_text() const;                                    // "1.0"
  const EntityInfo *find_entity(const std::string &entity) const;  // honours "*"
};

// Reads the ABI stamp and manifest of a file. On refusal returns std::nullopt and sets
// `why` to one line: the kind of refusal and its reason.
std::optional<Manifest> read_manifest(const std::filesystem::path &file, std::string &why);

}  // namespace junction::plugin
