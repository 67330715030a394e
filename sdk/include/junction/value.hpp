// Typed field values as they cross the plugin boundary: a thin view over jn_value.
#pragma once

#include <cstdint>
#include <string_view>

#include "junction/abi.h"

namespace junction {

enum class ValueType : std::uint32_t {
  absent = JN_ABSENT,
  null = JN_NULL,
  boolean = JN_BOOL,
  int64 = JN_INT64,
  decimal = JN_DECIMAL,
  float64 = JN_DOUBLE,
  string = JN_STRING,
  timestamp = JN_TIMESTAMP,
  date = JN_DATE,
  json = JN_JSON,
};

constexpr std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::absent: return "absent";
    case ValueType::null: return "null";
    case ValueType::boolean: return "boolean";
    case ValueType::int64: return "integer";
    case ValueType::decimal: return "decimal";
    case ValueType::float64: return "float";
    case ValueType::string: return "string";
    case ValueType::timestamp: return "timestamp";
    case ValueType::date: return "date";
    case ValueType::json: return "json";
  }
  return "unknown";
}

inline std::string_view view(jn_str s) {
  return {s.data, s.size};
}
inline jn_str make_str(std::string_view s) {
  return jn_str{s.data(), s.size()};
}

// A non-owning view of one value. Text values point into the batch that holds them.
class Value {
 public:
  constexpr Value() : raw_{JN_ABSENT, 0, {0}} {}
  constexpr explicit Value(const jn_value &raw) : raw_(raw) {}

  static constexpr Value absent() { return Value(); }
  static constexpr Value null() { return Value(jn_value{JN_NULL, 0, {0}}); }
  static constexpr Value boolean(bool b) { return Value(jn_value{JN_BOOL, 0, {b ? 1 : 0}}); }
  static constexpr Value int64(std::int64_t i) { return Value(jn_value{JN_INT64, 0, {i}}); }
  static Value float64(double d) {
    jn_value v{JN_DOUBLE, 0, {0}};
    v.u.f64 = d;
    return Value(v);
  }
  static Value timestamp_micros(std::int64_t micros) {
    return Value(jn_value{JN_TIMESTAMP, 0, {micros}});
  }
  static Value date_days(std::int64_t days) { return Value(jn_value{JN_DATE, 0, {days}}); }
  static Value string(std::string_view s) { return text(JN_STRING, s); }
  static Value decimal(std::string_view canonical) { return text(JN_DECIMAL, canonical); }
  static Value json(std::string_view document) { return text(JN_JSON, document); }

  ValueType type() const { return static_cast<ValueType>(raw_.type); }
  bool is_absent() const { return raw_.type == JN_ABSENT; }
  bool is_null() const { return raw_.type == JN_NULL; }
  bool has_text() const {
    return raw_.type == JN_STRING || raw_.type == JN_DECIMAL || raw_.type == JN_JSON;
  }
  std::string_view text() const {
    return has_text() ? std::string_view(raw_.u.text, raw_.size) : std::string_view();
  }
  std::int64_t as_int64() const { return raw_.u.i64; }
  bool as_bool() const { return raw_.u.i64 != 0; }
  double as_double() const { return raw_.u.f64; }
  const jn_value &raw() const { return raw_; }

 private:
  static Value text(jn_value_type type, std::string_view s) {
    jn_value v{type, static_cast<std::uint32_t>(s.size()), {0}};
    v.u.text = s.data();
    return Value(v);
  }
  jn_value raw_;
};

}  // namespace junction
