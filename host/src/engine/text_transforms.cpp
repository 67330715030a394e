#include "engine/text_transforms.hpp"

#include <algorithm>

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include <phonenumbers/phonenumberutil.h>

namespace junction::engine {
namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Treats NO-BREAK SPACE (C2 A0) like a space, as spreadsheets often insert it.
std::size_t space_length(const std::string &s, std::size_t i) {
  if (is_space(static_cast<unsigned char>(s[i]))) return 1;
  if (static_cast<unsigned char>(s[i]) == 0xC2 && i + 1 < s.size() &&
      static_cast<unsigned char>(s[i + 1]) == 0xA0) {
    return 2;
  }
  return 0;
}

void trim(std::string &s) {
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t n = space_length(s, start);
    if (n == 0) break;
    start += n;
  }
  std::size_t end = s.size();
  while (end > start) {
    if (is_space(static_cast<unsigned char>(s[end - 1]))) {
      --end;
    } else if (end - start >= 2 && static_cast<unsigned char>(s[end - 2]) == 0xC2 &&
               static_cast<unsigned char>(s[end - 1]) == 0xA0) {
      end -= 2;
    } else {
      break;
    }
  }
  s = s.substr(start, end - start);
}

void collapse(std::string &s) {
  std::string out;
  out.reserve(s.size());
  bool in_space = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = space_length(s, i);
    if (n > 0) {
      in_space = true;
      i += n;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(s[i++]);
  }
  s = std::move(out);
}

// Maps each code point; ASCII takes a fast path.
template <typename Map>
void map_case(std::string &s, Map map) {
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    for (char &c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) c = static_cast<char>(map(c));
    }
    return;
  }
  std::string out;
  out.reserve(s.size());
  const auto *p = reinterpret_cast<const utf8proc_uint8_t *>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid UTF-8 is kept as it is
      out.push_back(static_cast<char>(*p));
      ++p;
      --left;
      continue;
    }
    utf8proc_uint8_t buffer[4];
    const utf8proc_ssize_t w = utf8proc_encode_char(map(cp), buffer);
    out.append(reinterpret_cast<const char *>(buffer), static_cast<std::size_t>(w));
    p += n;
    left -= n;
  }
  s = std::move(out);
}

std::optional<std::string> nfc(std::string &s) {
  // ASCII is already in NFC: the common case (email addresses, codes) skips utf8proc.
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return std::nullopt;
  }
  utf8proc_uint8_t *result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t *>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &result, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string("is not valid UTF-8 text");
  s.assign(reinterpret_cast<const char *>(result), static_cast<std::size_t>(n));
  std::free(result);
  return std::nullopt;
}

std::optional<std::string> normalize_email(std::string &s) {
  trim(s);
  if (s.empty()) return std::nullopt;
  if (auto problem = nfc(s)) return problem;
  map_case(s, [](utf8proc_int32_t c) { return utf8proc_tolower(c); });
  const auto at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) {
    return std::string(
        "is not a valid email address (expected one '@' between a name and a "
        "domain)");
  }
  const std::string_view domain = std::string_view(s).substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string::npos) {
    return "is not a valid email address (the domain '" + std::string(domain) +
           "' has no dot-separated name)";
  }
  for (const char c : s) {
    if (is_space(static_cast<unsigned char>(c))) {
      return std::string("is not a valid email address (it contains a space)");
    }
  }
  return std::nullopt;
}

std::optional<std::string> phone_e164(std::string &s, const std::string &country) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  const std::string region = country.empty() ? "ZZ" : country;
  if (util->Parse(s, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util->IsValidNumber(number)) {
    return std::string("is not a valid phone number") +
           (country.empty() ? " (international numbers need a leading +)"
                            : " for default country " + country);
  }
  util->Format(number, PhoneNumberUtil::E164, &s);
  return std::nullopt;
}

}  // namespace

std::optional<Transform> transform_from_name(std::string_view name) {
  if (name == "trim") return Transform::trim;
  if (name == "lower") return Transform::lower;
  if (name == "upper") return Transform::upper;
  if (name == "collapse_whitespace") return Transform::collapse_whitespace;
  if (name == "normalize_email") return Transform::normalize_email;
  if (name == "phone_e164") return Transform::phone_e164;
  if (name == "nfc") return Transform::nfc;
  if (name == "mask") return Transform::mask;
  return std::nullopt;
}

std::optional<std::string> apply_transform(Transform transform, std::string &text,
                                           const std::string &country) {
  switch (transform) {
    case Transform::trim: trim(text); return std::nullopt;
    case Transform::collapse_whitespace: collapse(text); return std::nullopt;
    case Transform::lower:
      map_case(text, [](utf8proc_int32_t c) { return utf8proc_tolower(c); });
      return std::nullopt;
    case Transform::upper:
      map_case(text, [](utf8proc_int32_t c) { return utf8proc_toupper(c); });
      return std::nullopt;
    case Transform::nfc: return nfc(text);
    case Transform::normalize_email: return normalize_email(text);
    case Transform::phone_e164: return phone_e164(text, country);
    case Transform::mask: {
      const std::size_t chars = count_characters(text);
      const std::size_t keep = chars > 4 ? 4 : 0;
      const std::string kept = text.substr(first_characters(text, chars - keep).size());
      text = std::string(chars - keep, '*') + kept;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::size_t count_characters(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string_view first_characters(std::string_view text, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == n) return text.substr(0, i);
      ++seen;
    }
  }
  return text;
}

}  // namespace junction::engine
