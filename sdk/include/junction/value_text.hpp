// Values as text, the same way everywhere: integers and floats in shortest decimal form,
// dates YYYY-MM-DD, timestamps ISO 8601 UTC (microseconds only when present), booleans
// true/false, null and absent as nothing, text types as they are.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

#include "junction/value.hpp"

namespace junction {

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Days since 1970-01-01 to a proleptic Gregorian date.
inline CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, doy - (153 * mp + 2) / 5 + 1};
}

// Appends `value` in decimal, zero-padded to `width` digits (no printf: called per value).
inline void append_padded(std::string &out, std::int64_t value, int width) {
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  for (auto n = end - digits; n < width; ++n) out.push_back('0');
  out.append(digits, end);
}

inline void append_date_text(std::string &out, std::int64_t days) {
  const CivilDate d = civil_from_days(days);
  append_padded(out, d.year, 4);
  out.push_back('-');
  append_padded(out, d.month, 2);
  out.push_back('-');
  append_padded(out, d.day, 2);
}

inline void append_timestamp_text(std::string &out, std::int64_t micros) {
  constexpr std::int64_t micros_per_day = 86400000000LL;
  std::int64_t days = micros / micros_per_day;
  std::int64_t rest = micros % micros_per_day;
  if (rest < 0) {
    rest += micros_per_day;
    --days;
  }
  append_date_text(out, days);
  const std::int64_t s = rest / 1000000;
  const std::int64_t fraction = rest % 1000000;
  out.push_back('T');
  append_padded(out, s / 3600, 2);
  out.push_back(':');
  append_padded(out, s / 60 % 60, 2);
  out.push_back(':');
  append_padded(out, s % 60, 2);
  if (fraction != 0) {
    out.push_back('.');
    append_padded(out, fraction, 6);
  }
  out.push_back('Z');
}

inline void append_value_text(std::string &out, const Value &value) {
  char text[64];
  switch (value.type()) {
    case ValueType::absent:
    case ValueType::null: return;
    case ValueType::boolean: out += value.as_bool() ? "true" : "false"; return;
    case ValueType::int64: {
      const auto r = std::to_chars(text, text + sizeof text, value.as_int64());
      out.append(text, r.ptr);
      return;
    }
    case ValueType::float64: {
      const auto r = std::to_chars(text, text + sizeof text, value.as_double());
      out.append(text, r.ptr);
      return;
    }
    case ValueType::date: append_date_text(out, value.as_int64()); return;
    case ValueType::timestamp: append_timestamp_text(out, value.as_int64()); return;
    default: out.append(value.text()); return;
  }
}

}  // namespace junction
