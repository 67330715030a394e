#include "engine/record_text.hpp"

#include <charconv>
#include <cstdio>

namespace junction::engine {
namespace {

void append_date(std::string &out, std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  out += text;
}

}  // namespace

void append_text(std::string &out, const Value &value) {
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
      std::int64_t micros = value.as_int64();
      std::int64_t days = micros / 86400000000LL;
      std::int64_t rest = micros % 86400000000LL;
      if (rest < 0) {
        rest += 86400000000LL;
        --days;
      }
      append_date(out, days);
      const std::int64_t s = rest / 1000000;
      std::snprintf(text, sizeof text, "T%02lld:%02lld:%02lld.%06lldZ",
                    static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                    static_cast<long long>(s % 60), static_cast<long long>(rest % 1000000));
      out += text;
      return;
    }
    default: out.append(value.text()); return;
  }
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

}  // namespace junction::engine
