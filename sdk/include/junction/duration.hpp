// Durations as configs write them: a whole number and a unit, ms, s, m, h or d ("250ms",
// "10s", "1d"). One checked parser for the host and every plugin.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace junction {

// The longest duration a config may give: nothing longer is meant, and it keeps every
// product in range.
inline constexpr std::int64_t max_duration_ms = 100LL * 366 * 24 * 3600 * 1000;

// The milliseconds `text` stands for; nothing when it is malformed or longer than
// max_duration_ms (100 years).
inline std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, n);
  if (error != std::errc() || end != text.data() + digits) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = std::int64_t{60} * 1000;
  if (unit == "h") scale = std::int64_t{3600} * 1000;
  if (unit == "d") scale = std::int64_t{86400} * 1000;
  if (scale == 0) return std::nullopt;
  if (n > static_cast<std::uint64_t>(max_duration_ms / scale)) return std::nullopt;
  return static_cast<std::int64_t>(n) * scale;
}

}  // namespace junction
