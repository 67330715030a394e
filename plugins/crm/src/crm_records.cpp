#include "crm_records.hpp"

#include <algorithm>

#include "crm_time.hpp"
#include "junction/errors.hpp"
#include "junction/http/http_client.hpp"

namespace junction::crm {

std::string objects_path(const EntitySettings &entity) {
  return "/crm/v3/objects/" + url_encode(entity.object_type);
}

std::int64_t modified_of(const nlohmann::json &object) {
  const auto text = object.value("updatedAt", std::string());
  const auto micros = parse_iso_time(text);
  if (!micros) {
    throw TransientError("the CRM sent object " + object.value("id", std::string("?")) +
                         " with an unreadable updatedAt '" + text.substr(0, 40) + "'");
  }
  return *micros;
}

std::vector<std::string> record_fields(const std::vector<std::string> &wanted) {
  std::vector<std::string> fields{"id"};
  for (const auto &name : wanted) {
    if (name == "id" || std::find(fields.begin(), fields.end(), name) != fields.end()) continue;
    fields.push_back(name);
  }
  return fields;
}

std::string property_text(const nlohmann::json &properties, const std::string &name) {
  const auto it = properties.find(name);
  if (it == properties.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

void add_object(BatchBuilder &out, const std::vector<std::string> &fields,
                const EntitySettings &entity, const nlohmann::json &object, Operation op) {
  const std::string id = object.value("id", std::string());
  const std::int64_t changed =
      op == Operation::remove && object.contains("archivedAt")
          ? parse_iso_time(object.value("archivedAt", "")).value_or(modified_of(object))
          : modified_of(object);
  const auto row = out.add_record(op, changed, entity.object_type + "/" + id);
  out.set(row, 0, Value::string(id));
  const auto properties = object.value("properties", nlohmann::json::object());
  for (std::size_t f = 1; f < fields.size(); ++f) {
    const auto it = properties.find(fields[f]);
    if (it == properties.end() || it->is_null()) {
      out.set(row, f, Value::null());
    } else if (it->is_string()) {
      out.set(row, f, Value::string(it->get_ref<const std::string &>()));
    } else {
      out.set(row, f, Value::string(it->dump()));
    }
  }
}

}  // namespace junction::crm
