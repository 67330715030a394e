#include "log/secret_redaction.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace junction::log {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::vector<std::string> values;  // longest first, so a longer secret wins over its part
};

Registry &registry() {
  static Registry r;
  return r;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string percent_encoded(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

// The text as it stands between the quotes of a JSON string.
std::string json_escaped(std::string_view text) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += digits[u >> 4];
      out += digits[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

void add_locked(std::vector<std::string> &values, std::string value) {
  if (value.size() < min_secret_length) return;
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.push_back(std::move(value));
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < min_secret_length) return;
  auto &r = registry();
  std::unique_lock lock(r.mutex);
  add_locked(r.values, std::string(value));
  add_locked(r.values, percent_encoded(value));
  add_locked(r.values, percent_decoded(value));
  add_locked(r.values, json_escaped(value));
  std::stable_sort(r.values.begin(), r.values.end(),
                   [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
}

void redact_in_place(std::string &text) {
  auto &r = registry();
  std::shared_lock lock(r.mutex);
  for (const auto &secret : r.values) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
}

std::string redact(std::string_view text) {
  std::string out(text);
  redact_in_place(out);
  return out;
}

void forget_secrets() {
  auto &r = registry();
  std::unique_lock lock(r.mutex);
  r.values.clear();
}

RedactingStreambuf::~RedactingStreambuf() {
  sync();
}

void RedactingStreambuf::emit(std::size_t length) {
  std::string line = pending_.substr(0, length);
  pending_.erase(0, length);
  redact_in_place(line);
  target_->sputn(line.data(), static_cast<std::streamsize>(line.size()));
}

RedactingStreambuf::int_type RedactingStreambuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  pending_ += traits_type::to_char_type(c);
  if (traits_type::to_char_type(c) == '\n') emit(pending_.size());
  return c;
}

std::streamsize RedactingStreambuf::xsputn(const char *s, std::streamsize n) {
  pending_.append(s, static_cast<std::size_t>(n));
  const auto last_newline = pending_.rfind('\n');
  if (last_newline != std::string::npos) emit(last_newline + 1);
  return n;
}

int RedactingStreambuf::sync() {
  if (!pending_.empty()) emit(pending_.size());
  return target_->pubsync();
}

}  // namespace junction::log
