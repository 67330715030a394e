// CRM objects (the API's JSON) as records: field "id" first, then the properties asked for,
// as text; an empty property is null. Shared by reads and lookups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crm_settings.hpp"
#include "junction/batch.hpp"

namespace junction::crm {

std::string objects_path(const EntitySettings &entity);

// The object's updatedAt in microseconds; throws TransientError when it is unreadable.
std::int64_t modified_of(const nlohmann::json &object);

// "id" then `wanted` (less "id"), each once, in order.
std::vector<std::string> record_fields(const std::vector<std::string> &wanted);

// A property's value as a record carries it, in text: empty for null or missing, strings
// as they are, other JSON as written.
std::string property_text(const nlohmann::json &properties, const std::string &name);

// Adds `object` to `out` (whose fields are record_fields(...)) as a record of `op`.
void add_object(BatchBuilder &out, const std::vector<std::string> &fields,
                const EntitySettings &entity, const nlohmann::json &object, Operation op);

}  // namespace junction::crm
