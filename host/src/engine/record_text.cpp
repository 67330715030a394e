#include "engine/record_text.hpp"

#include <junction/value_text.hpp>

namespace junction::engine {
void append_text(std::string &out, const Value &value) {
  append_value_text(out, value);
}

nlohmann::json record_json(const RecordView &record, const BatchView &batch,
                           const std::set<std::string> &masked) {
  nlohmann::json out = nlohmann::json::object();
  std::string text;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const Value v = record.value(f);
    if (v.is_absent()) continue;
    const std::string name(batch.field_name(f));
    if (masked.contains(name) && !v.is_null()) {
      out[name] = "***";
      continue;
    }
    switch (v.type()) {
      case ValueType::null: out[name] = nullptr; break;
      case ValueType::boolean: out[name] = v.as_bool(); break;
      case ValueType::int64: out[name] = v.as_int64(); break;
      case ValueType::float64: out[name] = v.as_double(); break;
      case ValueType::json: {
        auto parsed = nlohmann::json::parse(v.text(), nullptr, false);
        out[name] = parsed.is_discarded() ? nlohmann::json(std::string(v.text())) : parsed;
        break;
      }
      default:
        text.clear();
        append_text(text, v);
        out[name] = text;
    }
  }
  return out;
}

std::string key_text(const RecordView &record, const std::vector<std::size_t> &key_fields) {
  std::string key;
  for (std::size_t i = 0; i < key_fields.size(); ++i) {
    if (i > 0) key.push_back('\x1f');
    append_text(key, record.value(key_fields[i]));
  }
  return key;
}

std::string readable_key(std::string key) {
  for (char &c : key) {
    if (c == '\x1f') c = '|';
  }
  return key;
}

}  // namespace junction::engine
