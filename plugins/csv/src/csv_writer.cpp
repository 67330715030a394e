#include "csv_writer.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace junction::csv {
namespace {

// Days since 1970-01-01 to a civil date (proleptic Gregorian), without time zones.
void civil_from_days(std::int64_t z, std::int64_t &y, unsigned &m, unsigned &d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

void append_date(std::string &out, std::int64_t days) {
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  out += text;
}

}  // namespace

void append_field(std::string &out, std::string_view field, const Dialect &dialect) {
  bool needs_quotes = false;
  for (const char c : field) {
    if (c == dialect.delimiter || c == dialect.quote || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(field);
    return;
  }
  out.push_back(dialect.quote);
  for (const char c : field) {
    if (c == dialect.quote) out.push_back(c);
    out.push_back(c);
  }
  out.push_back(dialect.quote);
}

void append_value_text(std::string &out, const Value &value) {
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
    case ValueType::date: append_date(out, value.as_int64()); return;
    case ValueType::timestamp: {
      const std::int64_t micros = value.as_int64();
      std::int64_t days = micros / 86400000000LL;
      std::int64_t rest = micros % 86400000000LL;
      if (rest < 0) {
        rest += 86400000000LL;
        --days;
      }
      append_date(out, days);
      const std::int64_t secs = rest / 1000000;
      const std::int64_t frac = rest % 1000000;
      if (frac != 0) {
        std::snprintf(text, sizeof text, "T%02lld:%02lld:%02lld.%06lldZ",
                      static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                      static_cast<long long>(secs % 60), static_cast<long long>(frac));
      } else {
        std::snprintf(text, sizeof text, "T%02lld:%02lld:%02lldZ",
                      static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                      static_cast<long long>(secs % 60));
      }
      out += text;
      return;
    }
    default: out.append(value.text()); return;
  }
}

}  // namespace junction::csv
