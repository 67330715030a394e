#include "record_batch.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

namespace junction::testkit {

OwnedBatch::OwnedBatch(const std::vector<nlohmann::json> &records,
                       const std::vector<std::string> &key, jn_operation op) {
  std::set<std::string> seen;
  for (const auto &name : key) {
    if (seen.insert(name).second) names_.push_back(name);
  }
  for (const auto &record : records) {
    for (const auto &[name, value] : record.items()) {
      if (seen.insert(name).second) names_.push_back(name);
    }
  }
  for (const auto &name : names_) name_strs_.push_back({name.data(), name.size()});
  for (const auto &name : key) {
    const auto at = std::find(names_.begin(), names_.end(), name) - names_.begin();
    key_fields_.push_back(static_cast<std::uint32_t>(at));
  }
  records_.resize(records.size());
  values_.resize(records.size() * names_.size());
  for (std::size_t r = 0; r < records.size(); ++r) {
    auto &record = records_[r];
    record.op = op;
    record.changed_at = JN_TIME_UNKNOWN;
    const char *origin = keep("conformance record " + std::to_string(r + 1));
    record.origin = {origin, texts_.back().size()};
    for (std::size_t f = 0; f < names_.size(); ++f) {
      jn_value &v = values_[r * names_.size() + f];
      const auto found = records[r].find(names_[f]);
      if (found == records[r].end()) {
        v.type = JN_ABSENT;
        continue;
      }
      v = value_of(*found);
    }
  }
  batch_.struct_size = sizeof(jn_batch);
  batch_.field_count = static_cast<std::uint32_t>(names_.size());
  batch_.field_names = name_strs_.data();
  batch_.key_count = static_cast<std::uint32_t>(key_fields_.size());
  batch_.key_fields = key_fields_.data();
  batch_.record_count = records_.size();
  batch_.records = records_.data();
  batch_.values = values_.data();
  batch_.member_keys = nullptr;
  batch_.expected = nullptr;
}

jn_value OwnedBatch::value_of(const nlohmann::json &j) {
  jn_value v{};
  if (j.is_null()) {
    v.type = JN_NULL;
  } else if (j.is_boolean()) {
    v.type = JN_BOOL;
    v.u.i64 = j.get<bool>() ? 1 : 0;
  } else if (j.is_number_integer()) {
    v.type = JN_INT64;
    v.u.i64 = j.get<std::int64_t>();
  } else if (j.is_number()) {
    v.type = JN_DOUBLE;
    v.u.f64 = j.get<double>();
  } else {
    v.type = j.is_string() ? JN_STRING : JN_JSON;
    v.u.text = keep(j.is_string() ? j.get<std::string>() : j.dump());
    v.size = static_cast<std::uint32_t>(texts_.back().size());
  }
  return v;
}

void OwnedBatch::set_expected(std::size_t record, const std::string &field,
                              const nlohmann::json &value) {
  const auto at =
      static_cast<std::size_t>(std::find(names_.begin(), names_.end(), field) - names_.begin());
  if (at == names_.size()) throw std::invalid_argument("the batch has no field " + field);
  expected_.resize(values_.size(), jn_value{JN_ABSENT, 0, {0}});
  expected_[record * names_.size() + at] = value_of(value);
  batch_.expected = expected_.data();
}

const char *OwnedBatch::keep(std::string text) {
  texts_.push_back(std::move(text));
  return texts_.back().data();
}

std::optional<std::string> text_of(const jn_value &value) {
  switch (value.type) {
    case JN_ABSENT:
    case JN_NULL: return std::nullopt;
    case JN_BOOL: return value.u.i64 != 0 ? "true" : "false";
    case JN_INT64:
    case JN_TIMESTAMP:
    case JN_DATE: return std::to_string(value.u.i64);
    case JN_DOUBLE: {
      char buffer[64];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value.u.f64).ptr;
      return std::string(buffer, end);
    }
    default: {
      std::string text(value.u.text == nullptr ? "" : value.u.text, value.size);
      if (text.empty()) return std::nullopt;
      return text;
    }
  }
}

std::optional<std::string> text_of(const nlohmann::json &value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number()) {
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value.get<double>()).ptr;
    return std::string(buffer, end);
  }
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.empty()) return std::nullopt;
  return text;
}

std::vector<ReadRecord> read_records(const jn_batch *batch) {
  std::vector<ReadRecord> out;
  if (batch == nullptr) return out;
  for (std::size_t r = 0; r < batch->record_count; ++r) {
    ReadRecord record;
    record.op = batch->records[r].op;
    record.error.assign(batch->records[r].error.data == nullptr ? "" : batch->records[r].error.data,
                        batch->records[r].error.size);
    for (std::uint32_t f = 0; f < batch->field_count; ++f) {
      const jn_value &value = batch->values[r * batch->field_count + f];
      if (value.type == JN_ABSENT) continue;
      const jn_str name = batch->field_names[f];
      record.fields[std::string(name.data, name.size)] = text_of(value);
    }
    out.push_back(std::move(record));
  }
  return out;
}

std::string identity_of(const ReadRecord &record, const std::vector<std::string> &key) {
  std::string out;
  for (const auto &name : key) {
    const auto found = record.fields.find(name);
    if (found != record.fields.end() && found->second) out += *found->second;
    out += '\x1f';
  }
  return out;
}

std::string identity_of(const nlohmann::json &record, const std::vector<std::string> &key) {
  std::string out;
  for (const auto &name : key) {
    if (record.contains(name)) {
      if (const auto text = text_of(record.at(name))) out += *text;
    }
    out += '\x1f';
  }
  return out;
}

}  // namespace junction::testkit
