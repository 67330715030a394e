#include "engine/mapping.hpp"

#include <junction/duration.hpp>

#include <algorithm>
#include <chrono>

#include "engine/field_names.hpp"
#include "engine/record_text.hpp"

namespace junction::engine {
namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A constant or default from the config as a value to convert like source text.
std::string json_text(const json &v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void set_json(BatchBuilder &out, std::size_t row, std::size_t index, const json &v,
              std::string &scratch) {
  if (v.is_null()) {
    out.set(row, index, Value::null());
  } else if (v.is_boolean()) {
    out.set(row, index, Value::boolean(v.get<bool>()));
  } else if (v.is_number_integer()) {
    out.set(row, index, Value::int64(v.get<std::int64_t>()));
  } else if (v.is_number_float()) {
    out.set(row, index, Value::float64(v.get<double>()));
  } else if (v.is_string()) {
    out.set(row, index, Value::string(v.get_ref<const std::string &>()));
  } else {
    scratch = v.dump();
    out.set(row, index, Value::json(scratch));
  }
}

}  // namespace

Mapping Mapping::compile(const config::FlowConfig &flow, const std::string &file,
                         config::Diagnostics &problems) {
  Mapping m;
  m.flow_name_ = flow.name;
  const json &def = flow.definition;
  if (auto mapping = def.find("mapping"); mapping != def.end() && mapping->is_object()) {
    for (auto it = mapping->begin(); it != mapping->end(); ++it) {
      const json &spec = it.value();
      const std::string where = flow.pointer + "/mapping/" + it.key();
      FieldRule rule;
      rule.target = it.key();
      rule.from = spec.value("from", std::string());
      if (spec.contains("const")) rule.constant = spec["const"];
      if (rule.from.empty() && !rule.constant) {
        problems.push_back({file, where, "needs \"from\" (a source field) or \"const\""});
      }
      if (!rule.from.empty() && rule.constant) {
        problems.push_back({file, where, "has both \"from\" and \"const\"; keep one"});
      }
      if (spec.contains("default")) rule.default_value = spec["default"];
      rule.required = spec.value("required", false);
      for (const auto &t : spec.value("transform", json::array())) {
        if (auto transform = transform_from_name(t.get<std::string>())) {
          rule.transforms.push_back(*transform);
        }
      }
      rule.country = spec.value("country", std::string());
      if (spec.contains("values")) rule.values = spec["values"];
      if (spec.contains("values_default")) rule.values_default = spec["values_default"];
      rule.values_strict = spec.value("values_strict", false);
      if (auto type = target_type_from_name(spec.value("type", std::string()))) rule.type = *type;
      rule.format = spec.value("format", std::string());
      if (auto rounding = rounding_from_name(spec.value("rounding", std::string("reject")))) {
        rule.rounding = *rounding;
      }
      rule.max_length = spec.value("max_length", std::size_t{0});
      rule.truncate = spec.value("on_too_long", std::string("reject")) == "truncate";
      rule.sensitive = spec.value("sensitive", false);
      rule.optional = spec.value("optional", false);
      rule.pointer = where;
      if (rule.sensitive && !rule.from.empty()) m.sensitive_sources_.insert(rule.from);
      m.rules_.push_back(std::move(rule));
    }
    if (m.rules_.empty()) problems.push_back({file, flow.pointer + "/mapping", "maps no field"});
    // Keep the order the fields were written in.
    const auto &order = flow.mapping_order;
    std::stable_sort(m.rules_.begin(), m.rules_.end(), [&](const FieldRule &a, const FieldRule &b) {
      const auto pa = std::find(order.begin(), order.end(), a.target);
      const auto pb = std::find(order.begin(), order.end(), b.target);
      return pa < pb;
    });
  }
  const auto filter = def.value("filter", json::array());
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const json &c = filter[i];
    Condition cond;
    cond.field = c.value("field", std::string());
    cond.optional = c.value("optional", false);
    cond.pointer = flow.pointer + "/filter/" + std::to_string(i);
    cond.ignore_case = c.value("ignore_case", false);
    cond.format = c.value("format", std::string());
    if (c.contains("equals")) {
      cond.kind = Condition::Kind::equals;
      cond.values = {c["equals"].get<std::string>()};
    } else if (c.contains("not_equals")) {
      cond.kind = Condition::Kind::not_equals;
      cond.values = {c["not_equals"].get<std::string>()};
    } else if (c.contains("in")) {
      cond.kind = Condition::Kind::in;
      cond.values = c["in"].get<std::vector<std::string>>();
    } else if (c.contains("not_in")) {
      cond.kind = Condition::Kind::not_in;
      cond.values = c["not_in"].get<std::vector<std::string>>();
    } else if (c.contains("empty")) {
      cond.kind = c["empty"].get<bool>() ? Condition::Kind::empty : Condition::Kind::not_empty;
    } else if (c.contains("within")) {
      cond.kind = Condition::Kind::within;
      // The config's checks refused durations that do not parse.
      cond.within_ms = parse_duration_ms(c["within"].get<std::string>()).value_or(0);
    } else {
      problems.push_back({file, flow.pointer + "/filter",
                          "a condition on '" + cond.field +
                              "' needs one of equals, not_equals, in, not_in, empty, within"});
      continue;
    }
    if (cond.ignore_case) {
      for (auto &v : cond.values) v = lower(v);
    }
    m.conditions_.push_back(std::move(cond));
  }

  // The target key: declared, or the mapped names of the source key.
  if (!flow.to.key.empty()) {
    m.target_key_ = flow.to.key;
  } else if (m.rules_.empty()) {
    m.target_key_ = flow.from.key;
  } else {
    for (const auto &source_key : flow.from.key) {
      auto rule = std::find_if(m.rules_.begin(), m.rules_.end(),
                               [&](const FieldRule &r) { return r.from == source_key; });
      if (rule == m.rules_.end()) {
        problems.push_back({file, flow.pointer + "/to",
                            "cannot tell the target key: map the source key field '" + source_key +
                                "' or set \"key\" here"});
        m.target_key_.clear();
        break;
      }
      m.target_key_.push_back(rule->target);
    }
  }
  if (m.target_key_.empty() && flow.from.key.empty() && flow.to.key.empty()) {
    problems.push_back(
        {file, flow.pointer + "/from", "needs \"key\": the fields that identify a record"});
  }
  for (const auto &k : m.target_key_) {
    if (!m.rules_.empty() && std::none_of(m.rules_.begin(), m.rules_.end(),
                                          [&](const FieldRule &r) { return r.target == k; })) {
      problems.push_back({file, flow.pointer + "/to/key", "key field '" + k + "' is not mapped"});
    }
  }
  for (const auto &r : m.rules_) {
    m.key_rule_.push_back(std::find(m.target_key_.begin(), m.target_key_.end(), r.target) !=
                          m.target_key_.end());
  }
  return m;
}

std::vector<std::string> Mapping::target_fields(const BatchView &batch) const {
  std::vector<std::string> fields;
  if (rules_.empty()) {
    for (std::size_t i = 0; i < batch.field_count(); ++i) fields.emplace_back(batch.field_name(i));
  } else {
    for (const auto &r : rules_) fields.push_back(r.target);
  }
  return fields;
}

std::vector<std::string> Mapping::source_fields() const {
  std::vector<std::string> fields;
  if (identity()) return fields;
  const auto add = [&](const std::string &name) {
    if (!name.empty() && std::find(fields.begin(), fields.end(), name) == fields.end()) {
      fields.push_back(name);
    }
  };
  for (const auto &r : rules_) add(r.from);
  for (const auto &c : conditions_) add(c.field);
  return fields;
}

std::vector<MissingField> Mapping::missing_fields(const std::vector<std::string> &available) const {
  std::vector<MissingField> missing;
  auto check = [&](const std::string &field, bool optional, const std::string &pointer) {
    if (field.empty() || optional ||
        std::find(available.begin(), available.end(), field) != available.end()) {
      return;
    }
    missing.push_back({pointer, field, "no field " + field_with_suggestion(field, available)});
  };
  for (const auto &r : rules_) check(r.from, r.optional, r.pointer + "/from");
  for (const auto &c : conditions_) check(c.field, c.optional, c.pointer + "/field");
  return missing;
}

void Mapping::bind(const BatchView &batch, bool require_fields) {
  for (auto &r : rules_)
    r.source_index = r.from.empty() ? BatchView::npos : batch.field_index(r.from);
  for (auto &c : conditions_) c.source_index = batch.field_index(c.field);
  // An empty field list says nothing of the source's fields.
  if (!require_fields || batch.field_count() == 0) return;
  const bool all_bound =
      std::none_of(rules_.begin(), rules_.end(),
                   [](const FieldRule &r) {
                     return !r.from.empty() && !r.optional && r.source_index == BatchView::npos;
                   }) &&
      std::none_of(conditions_.begin(), conditions_.end(), [](const Condition &c) {
        return !c.optional && c.source_index == BatchView::npos;
      });
  if (all_bound) return;
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < batch.field_count(); ++i) fields.emplace_back(batch.field_name(i));
  std::string text = "flow '" + flow_name_ + "' refused: the source has ";
  bool first = true;
  for (const auto &m : missing_fields(fields)) {
    text += (first ? "" : "; and ") + m.message + " (named at " + m.pointer + ")";
    first = false;
  }
  throw MissingFieldsError(text + ". Its fields are: " + field_list_text(fields) +
                           ". Correct the name, or set \"optional\": true where the source "
                           "may lack the field; nothing was written");
}

bool Mapping::accepts(const RecordView &record) const {
  for (const auto &c : conditions_) {
    const Value v = c.source_index == BatchView::npos ? Value() : record.value(c.source_index);
    std::string text;
    append_text(text, v);
    if (c.ignore_case) text = lower(text);
    bool ok = true;
    switch (c.kind) {
      case Condition::Kind::equals: ok = text == c.values[0]; break;
      case Condition::Kind::not_equals: ok = text != c.values[0]; break;
      case Condition::Kind::in:
        ok = std::find(c.values.begin(), c.values.end(), text) != c.values.end();
        break;
      case Condition::Kind::not_in:
        ok = std::find(c.values.begin(), c.values.end(), text) == c.values.end();
        break;
      case Condition::Kind::empty: ok = text.empty(); break;
      case Condition::Kind::not_empty: ok = !text.empty(); break;
      case Condition::Kind::within: {
        Converted when;
        std::int64_t micros = 0;
        if (v.type() == ValueType::timestamp) {
          micros = v.as_int64();
        } else if (v.type() == ValueType::date) {
          micros = v.as_int64() * 86400000000LL;
        } else if (!convert_text(text, TargetType::timestamp, c.format, Rounding::reject, when)) {
          micros = when.i64;
        } else if (!convert_text(text, TargetType::date, c.format, Rounding::reject, when)) {
          micros = when.i64 * 86400000000LL;
        } else {
          return false;  // no usable date: not within
        }
        const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        ok = micros >= now - c.within_ms * 1000;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> Mapping::apply(const RecordView &record, BatchBuilder &out,
                                          std::size_t row, bool keys_only) {
  if (rules_.empty()) {
    for (std::size_t f = 0; f < record.field_count(); ++f) out.set(row, f, record.value(f));
    return std::nullopt;
  }
  // A delete carries its key; only the key fields are mapped, the rest stay absent.
  const bool remove = keys_only || record.operation() == Operation::remove;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (remove && !key_rule_[i]) continue;
    if (auto problem = apply_rule(rules_[i], record, out, row, i)) return problem;
  }
  return std::nullopt;
}

std::optional<std::string> Mapping::apply_rule(FieldRule &rule, const RecordView &record,
                                               BatchBuilder &out, std::size_t row,
                                               std::size_t index) {
  // Built only for messages: most values never need it.
  auto label = [&] {
    return rule.from.empty() ? std::string("the constant") : "source field '" + rule.from + "'";
  };
  auto shown = [&](const std::string &text) {
    return rule.sensitive ? std::string("the value") : "'" + text + "'";
  };
  Value input;
  bool from_json = false;
  if (rule.constant) {
    from_json = true;
  } else if (rule.source_index != BatchView::npos) {
    input = record.value(rule.source_index);
  }
  // Values with nothing to do pass through unchanged (empty text still meets defaults and
  // "required" below).
  if (!from_json && !input.is_null() && !input.is_absent() &&
      (input.type() != ValueType::string || !input.text().empty()) && rule.transforms.empty() &&
      !rule.values && rule.type == TargetType::keep && rule.max_length == 0) {
    out.set(row, index, input);
    return std::nullopt;
  }
  bool empty = false;
  scratch_.clear();
  if (from_json) {
    if (rule.constant->is_null()) {
      empty = true;
    } else if (rule.type == TargetType::keep && !rule.constant->is_string()) {
      set_json(out, row, index, *rule.constant, scratch_);
      return std::nullopt;
    } else {
      scratch_ = json_text(*rule.constant);
    }
  } else if (input.is_null() || input.is_absent()) {
    empty = true;
  } else {
    append_text(scratch_, input);
  }
  if (!empty) {
    for (const Transform t : rule.transforms) {
      if (scratch_.empty()) break;  // emptied by trimming: "required" and defaults decide
      if (auto problem = apply_transform(t, scratch_, rule.country)) {
        return "'" + rule.target + "': " + shown(scratch_) + " from " + label() + " " + *problem;
      }
    }
    if (rule.values) {
      if (auto hit = rule.values->find(scratch_); hit != rule.values->end()) {
        if (hit->is_null()) {
          empty = true;
        } else {
          scratch_ = json_text(*hit);
        }
      } else if (rule.values_default) {
        if (rule.values_default->is_null()) {
          empty = true;
        } else {
          scratch_ = json_text(*rule.values_default);
        }
      } else if (rule.values_strict) {
        return "'" + rule.target + "': " + shown(scratch_) + " from " + label() +
               " is not in its lookup table";
      }
    }
    if (!empty && scratch_.empty()) empty = true;
  }
  if (empty && rule.default_value) {
    if (rule.default_value->is_null()) {
      out.set(row, index, Value::null());
      return std::nullopt;
    }
    scratch_ = json_text(*rule.default_value);
    empty = scratch_.empty();
  }
  if (empty) {
    if (rule.required) {
      return "'" + rule.target + "' is required, but " + label() + " is empty";
    }
    out.set(row, index, Value::null());
    return std::nullopt;
  }
  if (rule.max_length > 0) {
    const std::size_t chars = count_characters(scratch_);
    if (chars > rule.max_length) {
      if (!rule.truncate) {
        return "'" + rule.target + "' is " + std::to_string(chars) +
               " characters long, more than the " + std::to_string(rule.max_length) +
               " allowed (from " + label() + ")";
      }
      scratch_.resize(first_characters(scratch_, rule.max_length).size());
    }
  }
  if (auto problem = convert_text(scratch_, rule.type, rule.format, rule.rounding, converted_)) {
    return "'" + rule.target + "': " + shown(scratch_) + " from " + label() + " " + *problem;
  }
  out.set(row, index, converted_.value());
  return std::nullopt;
}

}  // namespace junction::engine
