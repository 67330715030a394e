// Text transforms a mapping applies to string values, in the order given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::engine {

enum class Transform {
  trim,
  lower,
  upper,
  collapse_whitespace,
  normalize_email,
  phone_e164,
  nfc,
  mask
};

// Parses a transform name from the config; nullopt when unknown.
std::optional<Transform> transform_from_name(std::string_view name);

// Applies one transform to `text` in place. Returns an error message in words when the
// value cannot be transformed (an email without '@', a phone number that is not one).
// `country` is the default region for phone numbers (ISO 3166 alpha-2, e.g. "GB").
std::optional<std::string> apply_transform(Transform transform, std::string &text,
                                           const std::string &country);

// Number of Unicode characters (code points) in UTF-8 text.
std::size_t count_characters(std::string_view text);

// The first `n` characters of UTF-8 text.
std::string_view first_characters(std::string_view text, std::size_t n);

}  // namespace junction::engine
