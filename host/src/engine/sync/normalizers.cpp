#include "engine/sync/normalizers.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "engine/text_transforms.hpp"

namespace junction::engine::sync {
namespace {

// utf8proc_map with `options`; none when the text is not valid UTF-8.
std::optional<std::string> mapped(std::string_view text, int options) {
  // ASCII is its own NFC and NFKC form and has no marks to strip: only case folding can
  // change it, and that is A-Z to a-z. Most match keys (email addresses) are ASCII.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out(text);
    if ((options & UTF8PROC_CASEFOLD) != 0) {
      for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
    }
    return out;
  }
  utf8proc_uint8_t *result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &result,
                                          static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::nullopt;
  std::string out(reinterpret_cast<const char *>(result), static_cast<std::size_t>(n));
  std::free(result);
  return out;
}

std::optional<std::string> with_transform(Transform transform, std::string text,
                                          const std::string &country) {
  if (apply_transform(transform, text, country)) return std::nullopt;
  return text;
}

std::optional<std::string> apply(std::string_view name, std::string text,
                                 const std::string &country) {
  if (name == "trim") return with_transform(Transform::trim, std::move(text), country);
  if (name == "collapse_whitespace") {
    return with_transform(Transform::collapse_whitespace, std::move(text), country);
  }
  if (name == "casefold")
    return mapped(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
  if (name == "nfc") return mapped(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (name == "nfkc") return mapped(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (name == "fold_accents") {
    return mapped(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK);
  }
  if (name == "email") {
    auto folded = mapped(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (!folded) return std::nullopt;
    return with_transform(Transform::normalize_email, std::move(*folded), country);
  }
  if (name == "phone_e164") return with_transform(Transform::phone_e164, std::move(text), country);
  if (name == "postcode") {
    std::string out;
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80 || std::isalnum(u) != 0) {
        out.push_back(u < 0x80 ? static_cast<char>(std::toupper(u)) : c);
      }
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string> &normalizer_names() {
  static const std::vector<std::string> names = {
      "trim",  "collapse_whitespace", "casefold", "nfc", "nfkc", "fold_accents",
      "email", "phone_e164",          "postcode"};
  return names;
}

bool is_normalizer(std::string_view name) {
  const auto &names = normalizer_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string> normalize_for_match(std::string_view value,
                                               const std::vector<std::string> &normalizers,
                                               const std::string &country) {
  std::string text(value);
  for (const auto &name : normalizers) {
    auto next = apply(name, std::move(text), country);
    if (!next) return std::nullopt;
    text = std::move(*next);
  }
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace junction::engine::sync
