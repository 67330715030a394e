// Turning text into typed values, loudly: a value that does not convert is an error in
// words, never a silent zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <junction/value.hpp>

namespace junction::engine {

enum class TargetType { keep, string, integer, decimal, float64, boolean, date, timestamp, json };
enum class Rounding { reject, half_up, half_even, truncate };

std::optional<TargetType> target_type_from_name(std::string_view name);
std::optional<Rounding> rounding_from_name(std::string_view name);

// A converted value; text-typed values keep their text in `text`.
struct Converted {
  jn_value_type type = JN_NULL;
  std::int64_t i64 = 0;
  double f64 = 0;
  std::string text;

  Value value() const;
};

// Converts `input` to `type`. `format` is a strptime-style pattern for dates and
// timestamps (default ISO 8601). Returns the reason in words on failure.
std::optional<std::string> convert_text(std::string_view input, TargetType type,
                                        const std::string &format, Rounding rounding,
                                        Converted &out);

// Days since 1970-01-01 of a civil date, or nullopt when the date does not exist.
std::optional<std::int64_t> days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace junction::engine
