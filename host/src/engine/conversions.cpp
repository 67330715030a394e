#include "engine/conversions.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>

namespace junction::engine {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// [-+]digits[.digits] → sign, integer digits, fraction digits.
bool split_decimal(std::string_view s, bool &negative, std::string_view &whole,
                   std::string_view &fraction) {
  negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const auto dot = s.find('.');
  whole = s.substr(0, dot);
  fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return false;
  if (dot != std::string_view::npos && fraction.empty()) return false;
  for (const char c : whole) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  for (const char c : fraction) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::optional<std::string> to_integer(std::string_view s, Rounding rounding, Converted &out) {
  bool negative = false;
  std::string_view whole;
  std::string_view fraction;
  if (!split_decimal(s, negative, whole, fraction)) return std::string("is not a whole number");
  bool has_fraction = false;
  for (const char c : fraction) has_fraction |= c != '0';
  std::uint64_t magnitude = 0;
  if (!whole.empty()) {
    const auto r = std::from_chars(whole.data(), whole.data() + whole.size(), magnitude);
    if (r.ec != std::errc()) return std::string("is too large for a whole number");
  }
  if (has_fraction) {
    if (rounding == Rounding::reject) {
      return std::string("has a fractional part, and this field takes whole numbers only");
    }
    const int first = fraction[0] - '0';
    bool rest_nonzero = false;
    for (std::size_t i = 1; i < fraction.size(); ++i) rest_nonzero |= fraction[i] != '0';
    bool up = false;
    if (rounding == Rounding::half_up) up = first >= 5;
    if (rounding == Rounding::half_even) {
      up = first > 5 || (first == 5 && (rest_nonzero || (magnitude % 2) == 1));
    }
    if (up) ++magnitude;
  }
  const std::uint64_t limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  if (magnitude > limit) return std::string("is too large for a whole number");
  out.type = JN_INT64;
  out.i64 =
      negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return std::nullopt;
}

// Reads exactly `n` digits.
bool fixed_digits(const char *p, int n, int &out) {
  out = 0;
  for (int i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    out = out * 10 + (p[i] - '0');
  }
  return true;
}

// strptime for the common shapes, without its cost: "YYYY-MM-DD" and "HH:MM:SS" with
// fields in range. Anything else returns nullptr and goes to strptime itself.
const char *quick_date(const char *p, std::tm &tm) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (!fixed_digits(p, 4, y) || p[4] != '-' || !fixed_digits(p + 5, 2, m) || p[7] != '-' ||
      !fixed_digits(p + 8, 2, d) || (p[10] >= '0' && p[10] <= '9') || m < 1 || m > 12 || d < 1 ||
      d > 31) {
    return nullptr;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return p + 10;
}

const char *quick_time(const char *p, std::tm &tm) {
  int h = 0;
  int m = 0;
  int s = 0;
  if (!fixed_digits(p, 2, h) || p[2] != ':' || !fixed_digits(p + 3, 2, m) || p[5] != ':' ||
      !fixed_digits(p + 6, 2, s) || (p[8] >= '0' && p[8] <= '9') || h > 23 || m > 59 || s > 59) {
    return nullptr;
  }
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return p + 8;
}

// Parses `s` with a strptime pattern; the whole input must be consumed and the date must
// exist (strptime alone accepts 30 February).
std::optional<std::string> parse_time(std::string_view s, const std::string &format, bool date_only,
                                      Converted &out) {
  std::string input(s);
  std::tm tm{};
  std::int64_t micros = 0;
  std::int64_t offset_seconds = 0;
  const char *end = nullptr;
  if (format.empty()) {
    end = quick_date(input.c_str(), tm);
    if (end == nullptr) end = strptime(input.c_str(), "%Y-%m-%d", &tm);
    if (end != nullptr && !date_only && (*end == 'T' || *end == ' ')) {
      const char *time = end + 1;
      end = quick_time(time, tm);
      if (end == nullptr) end = strptime(time, "%H:%M:%S", &tm);
      if (end != nullptr && *end == '.') {
        ++end;
        int digits = 0;
        std::int64_t fraction = 0;
        while (std::isdigit(static_cast<unsigned char>(*end))) {
          if (digits < 6) {
            fraction = fraction * 10 + (*end - '0');
            ++digits;
          }
          ++end;
        }
        while (digits++ < 6) fraction *= 10;
        micros = fraction;
      }
      if (end != nullptr && (*end == 'Z' || *end == 'z')) {
        ++end;
      } else if (end != nullptr && (*end == '+' || *end == '-')) {
        const int sign = *end == '-' ? -1 : 1;
        int hh = 0;
        int mm = 0;
        if (std::sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2 && hh < 24 && mm < 60) {
          offset_seconds = sign * (std::int64_t{hh} * 3600 + std::int64_t{mm} * 60);
          end += 6;
        } else {
          end = nullptr;
        }
      }
    }
  } else {
    end = strptime(input.c_str(), format.c_str(), &tm);
  }
  const std::string expected =
      format.empty() ? (date_only ? "YYYY-MM-DD" : "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]")
                     : format;
  if (end == nullptr || *end != '\0') {
    return "is not a " + std::string(date_only ? "date" : "timestamp") + " in the form " + expected;
  }
  const auto days = days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                                    static_cast<unsigned>(tm.tm_mday));
  if (!days) return std::string("is not a real date");
  if (date_only) {
    out.type = JN_DATE;
    out.i64 = *days;
  } else {
    out.type = JN_TIMESTAMP;
    const std::int64_t seconds = *days * 86400 + std::int64_t{tm.tm_hour} * 3600 +
                                 std::int64_t{tm.tm_min} * 60 + tm.tm_sec - offset_seconds;
    out.i64 = seconds * 1000000 + micros;
  }
  return std::nullopt;
}

}  // namespace

Value Converted::value() const {
  switch (type) {
    case JN_NULL: return Value::null();
    case JN_BOOL: return Value::boolean(i64 != 0);
    case JN_INT64: return Value::int64(i64);
    case JN_DOUBLE: return Value::float64(f64);
    case JN_DATE: return Value::date_days(i64);
    case JN_TIMESTAMP: return Value::timestamp_micros(i64);
    case JN_DECIMAL: return Value::decimal(text);
    case JN_JSON: return Value::json(text);
    default: return Value::string(text);
  }
}

std::optional<TargetType> target_type_from_name(std::string_view name) {
  if (name == "string") return TargetType::string;
  if (name == "integer") return TargetType::integer;
  if (name == "decimal") return TargetType::decimal;
  if (name == "float") return TargetType::float64;
  if (name == "boolean") return TargetType::boolean;
  if (name == "date") return TargetType::date;
  if (name == "timestamp") return TargetType::timestamp;
  if (name == "json") return TargetType::json;
  return std::nullopt;
}

std::optional<Rounding> rounding_from_name(std::string_view name) {
  if (name == "reject") return Rounding::reject;
  if (name == "half_up") return Rounding::half_up;
  if (name == "half_even") return Rounding::half_even;
  if (name == "truncate") return Rounding::truncate;
  return std::nullopt;
}

std::optional<std::int64_t> days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  static constexpr unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > month_days[m - 1] + (m == 2 && leap ? 1U : 0U)) return std::nullopt;
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::string> convert_text(std::string_view input, TargetType type,
                                        const std::string &format, Rounding rounding,
                                        Converted &out) {
  out.text.clear();
  switch (type) {
    case TargetType::keep:
    case TargetType::string:
      out.type = JN_STRING;
      out.text.assign(input);
      return std::nullopt;
    case TargetType::integer: return to_integer(input, rounding, out);
    case TargetType::decimal: {
      bool negative = false;
      std::string_view whole;
      std::string_view fraction;
      if (!split_decimal(input, negative, whole, fraction)) {
        return std::string("is not a decimal number (expected digits with an optional '.')");
      }
      out.type = JN_DECIMAL;
      out.text = (negative ? "-" : "") + std::string(whole.empty() ? "0" : whole) +
                 (fraction.empty() ? "" : "." + std::string(fraction));
      return std::nullopt;
    }
    case TargetType::float64: {
      double d = 0;
      const auto r = std::from_chars(input.data(), input.data() + input.size(), d);
      if (r.ec != std::errc() || r.ptr != input.data() + input.size() || !std::isfinite(d)) {
        return std::string("is not a number");
      }
      out.type = JN_DOUBLE;
      out.f64 = d;
      return std::nullopt;
    }
    case TargetType::boolean: {
      const std::string v = lower_ascii(input);
      if (v == "true" || v == "yes" || v == "y" || v == "1" || v == "on") {
        out.i64 = 1;
      } else if (v == "false" || v == "no" || v == "n" || v == "0" || v == "off") {
        out.i64 = 0;
      } else {
        return std::string("is not a yes/no value (expected true, false, yes, no, 1 or 0)");
      }
      out.type = JN_BOOL;
      return std::nullopt;
    }
    case TargetType::date: return parse_time(input, format, true, out);
    case TargetType::timestamp: return parse_time(input, format, false, out);
    case TargetType::json: {
      if (!nlohmann::json::accept(input)) return std::string("is not valid JSON");
      out.type = JN_JSON;
      out.text.assign(input);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace junction::engine
