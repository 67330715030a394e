#include "engine/sync/link_codec.hpp"

#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace junction::engine::sync {
namespace {

using json = nlohmann::json;

std::string hex(std::uint64_t h) {
  static const char *digits = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0; h >>= 4) out[i] = digits[h & 15U];
  return out;
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

std::string encode_link(const LinkState &link) {
  json members = json::array();
  for (const auto &m : link.members) {
    if (!m) {
      members.push_back(nullptr);
      continue;
    }
    json known = json::array();
    for (const auto &h : m->known) known.push_back(h ? json(hex(*h)) : json(nullptr));
    members.push_back(json::array({m->key, known, m->deleted}));
  }
  json base = json::array();
  for (const auto &v : link.base) base.push_back(v ? json(*v) : json(nullptr));
  json held = json::array();
  for (std::size_t f = 0; f < link.held.size(); ++f) {
    if (link.held[f]) held.push_back(f);
  }
  json out = {{"m", members}, {"b", base}};
  if (!held.empty()) out["h"] = held;
  if (link.deleted) out["d"] = true;
  return out.dump();
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
  const json members = j.value("m", json::array());
  for (std::size_t s = 0; s < systems && s < members.size(); ++s) {
    const json &m = members[s];
    if (!m.is_array() || m.size() < 3) continue;
    MemberState state;
    state.key = m[0].get<std::string>();
    state.known.resize(fields);
    for (std::size_t f = 0; f < fields && f < m[1].size(); ++f) {
      if (m[1][f].is_string()) state.known[f] = unhex(m[1][f].get<std::string>());
    }
    state.deleted = m[2].get<bool>();
    link.members[s] = std::move(state);
  }
  const json base = j.value("b", json::array());
  for (std::size_t f = 0; f < fields && f < base.size(); ++f) {
    if (base[f].is_string()) link.base[f] = base[f].get<std::string>();
  }
  const json held = j.value("h", json::array());
  for (const auto &f : held) {
    const auto index = f.get<std::size_t>();
    if (index < fields) link.held[index] = true;
  }
  link.deleted = j.value("d", false);
  return link;
}

}  // namespace junction::engine::sync
