#include "engine/sync/link_codec.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace junction::engine::sync {
namespace {

using json = nlohmann::json;

constexpr const char *hash_digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A hash in 11 base64url digits, most significant first.
void append_hash(std::string &out, std::uint64_t h) {
  char text[11];
  for (std::size_t i = 11; i-- > 0; h >>= 6) text[i] = hash_digits[h & 63U];
  out.append(text, 11);
}

std::uint64_t read_hash(std::string_view text) {
  std::uint64_t h = 0;
  for (const char c : text) {
    const char *at = std::strchr(hash_digits, c);
    if (c == '\0' || at == nullptr) throw std::runtime_error("a link holds an unreadable hash");
    h = (h << 6) | static_cast<std::uint64_t>(at - hash_digits);
  }
  return h;
}

// The length of the valid UTF-8 sequence at `at`, or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(at);
  std::size_t length = 0;
  unsigned int min = 0;
  unsigned int code = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    code = c & 0x1FU;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    code = c & 0x0FU;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    code = c & 0x07U;
    min = 0x10000;
  } else {
    return 0;
  }
  if (at + length > s.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0U) != 0x80U) return 0;
    code = (code << 6) | (byte(at + i) & 0x3FU);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// A JSON string of `text`; throws on text that is not UTF-8 (JSON cannot carry it).
void append_json_string(std::string &out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    // A run of printable ASCII other than '"' and '\\' goes in as it is: most values are one.
    std::size_t plain = i;
    while (plain < text.size()) {
      const auto p = static_cast<unsigned char>(text[plain]);
      if (p < 0x20 || p >= 0x80 || p == '"' || p == '\\') break;
      ++plain;
    }
    if (plain > i) {
      out.append(text.substr(i, plain - i));
      i = plain;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) throw std::runtime_error("a value is not valid UTF-8; the link cannot be kept");
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char *digits = "0123456789abcdef";
          out += "\\u00";
          out.push_back(digits[c >> 4]);
          out.push_back(digits[c & 15U]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::uint64_t unhex(const std::string &text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error("a link holds a hash that is not hex");
  }
  return value;
}

}  // namespace

// Written by hand rather than through a JSON document: a first sync encodes every link,
// and building a document per link cost more than the rest of the cycle.
std::string encode_link(const LinkState &link) {
  std::string out;
  out.reserve(64 + link.members.size() * (32 + 16 * link.base.size()) + 24 * link.base.size());
  out += "{\"m\":[";
  std::vector<std::uint64_t> base_hash(link.base.size());
  for (std::size_t f = 0; f < link.base.size(); ++f) base_hash[f] = value_hash(link.base[f]);
  for (std::size_t s = 0; s < link.members.size(); ++s) {
    if (s > 0) out.push_back(',');
    const auto &m = link.members[s];
    if (!m) {
      out += "null";
      continue;
    }
    out.push_back('[');
    append_json_string(out, m->key);
    out += ",\"";
    for (std::size_t f = 0; f < m->known.size(); ++f) {
      const auto &h = m->known[f];
      if (!h) {
        out.push_back('.');
      } else if (f < base_hash.size() && *h == base_hash[f]) {
        out.push_back('=');  // what the system holds is the agreed value: most fields
      } else {
        append_hash(out, *h);
      }
    }
    out += "\",";
    out += m->deleted ? "true" : "false";
    out.push_back(']');
  }
  out += "],\"b\":[";
  for (std::size_t f = 0; f < link.base.size(); ++f) {
    if (f > 0) out.push_back(',');
    if (link.base[f]) {
      append_json_string(out, *link.base[f]);
    } else {
      out += "null";
    }
  }
  out.push_back(']');
  bool any_held = false;
  for (std::size_t f = 0; f < link.held.size(); ++f) {
    if (!link.held[f]) continue;
    out += any_held ? "," : ",\"h\":[";
    out += std::to_string(f);
    any_held = true;
  }
  if (any_held) out.push_back(']');
  if (link.deleted) out += ",\"d\":true";
  if (link.delete_pending) out += ",\"x\":true";
  out.push_back('}');
  return out;
}

LinkState decode_link(std::int64_t id, const std::string &text, std::size_t systems,
                      std::size_t fields) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("a link is not JSON");
  LinkState link;
  link.id = id;
  link.members.resize(systems);
  link.base.resize(fields);
  link.held.assign(fields, false);
  const json base = j.value("b", json::array());
  for (std::size_t f = 0; f < fields && f < base.size(); ++f) {
    if (base[f].is_string()) link.base[f] = base[f].get<std::string>();
  }
  const json members = j.value("m", json::array());
  for (std::size_t s = 0; s < systems && s < members.size(); ++s) {
    const json &m = members[s];
    if (!m.is_array() || m.size() < 3) continue;
    MemberState state;
    state.key = m[0].get<std::string>();
    state.known.resize(fields);
    if (m[1].is_string()) {
      // Per field: '.' never known, '=' the base value's hash, else 11 base64url digits.
      const std::string_view packed = m[1].get_ref<const std::string &>();
      std::size_t at = 0;
      for (std::size_t f = 0; f < fields && at < packed.size(); ++f) {
        if (packed[at] == '.') {
          ++at;
        } else if (packed[at] == '=') {
          state.known[f] = value_hash(link.base[f]);
          ++at;
        } else {
          if (at + 11 > packed.size()) throw std::runtime_error("a link holds a cut hash");
          state.known[f] = read_hash(packed.substr(at, 11));
          at += 11;
        }
      }
    } else {
      for (std::size_t f = 0; f < fields && f < m[1].size(); ++f) {
        if (m[1][f].is_string()) state.known[f] = unhex(m[1][f].get<std::string>());
      }
    }
    state.deleted = m[2].get<bool>();
    link.members[s] = std::move(state);
  }
  const json held = j.value("h", json::array());
  for (const auto &f : held) {
    const auto index = f.get<std::size_t>();
    if (index < fields) link.held[index] = true;
  }
  link.deleted = j.value("d", false);
  link.delete_pending = j.value("x", false);
  return link;
}

}  // namespace junction::engine::sync
